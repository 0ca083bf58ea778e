"""A password hasher that counts its work, so tests can prove "exactly one hash"."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    """Counts encode(): verify() is encode() plus a comparison, in MD5 as in bcrypt-sha256,
    so encode calls are exactly the expensive computations."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)
