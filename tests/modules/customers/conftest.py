import pytest

from modules.customers import services

STANDARD_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

GOOD_PASSWORD = "plum-kettle-42-river"


@pytest.fixture(autouse=True)
def password_validators(settings):
    """Django's standard password policy, whatever the project settings say.

    Registration applies ``AUTH_PASSWORD_VALIDATORS``; these tests pin it so that they test the
    module's use of the validators rather than the project's choice of them.
    """
    settings.AUTH_PASSWORD_VALIDATORS = STANDARD_PASSWORD_VALIDATORS


@pytest.fixture
def register(db):
    def register(email="ada@example.com", password=GOOD_PASSWORD, name="Ada Lovelace"):
        return services.customer_register(email=email, password=password, name=name)

    return register
