from django.db import models
from django.db.models.functions import Lower


class Customer(models.Model):
    # The id of django.contrib.auth's User, deliberately not a ForeignKey: the module keeps no
    # database relation to tables it may not share once extracted.
    user_id = models.BigIntegerField(unique=True)
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="customers_customer_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
