import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

DEFAULT_PASSWORD = "Correct-Horse-9-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """Users with a known password, kept on the instance as ``raw_password`` for login tests."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user_{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.raw_password = extracted or DEFAULT_PASSWORD
        # The hash stored directly: a fixture's first password is not a password change
        # (set_password + save would record one and end the user's sessions).
        self.password = make_password(self.raw_password)
        if create:
            self.save(update_fields=["password"])
