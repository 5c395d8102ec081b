"""Interventions and their audit trail, as staff and as the customer see them."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import sees_staff_data
from interventions.filters import InterventionHistoryFilter
from interventions.models import Intervention, InterventionEvent
from interventions.selectors import interventions_visible_to
from sheba_retention.common.api.lists import ListApi


class InterventionEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = InterventionEvent
        fields = ["from_status", "to_status", "actor", "note", "at"]

    # Customers see what happened to their offer, not which member of staff did it nor what staff wrote.
    def get_actor(self, obj: InterventionEvent) -> str | None:
        return obj.actor.username if obj.actor and self.context["staff"] else None

    def to_representation(self, instance: InterventionEvent) -> dict:
        data = super().to_representation(instance)
        if not self.context["staff"]:
            data["note"] = ""
        return data


class InterventionHistoryApi(ListApi):
    filterset_class = InterventionHistoryFilter

    @extend_schema_serializer(component_name="InterventionHistory")
    class OutputSerializer(serializers.ModelSerializer):
        customer_id = serializers.CharField(source="customer.external_id")
        decided_by = serializers.SerializerMethodField()
        events = InterventionEventSerializer(many=True, help_text="The audit trail, oldest first.")

        class Meta:
            model = Intervention
            fields = [
                "id",
                "customer_id",
                "action",
                "status",
                "outcome",
                "discount_amount",
                "discount_percent",
                "sent_at",
                "redeemed_at",
                "expires_at",
                "decided_by",
                "decided_at",
                "created_at",
                "events",
            ]

        def get_decided_by(self, obj: Intervention) -> str | None:
            return obj.decided_by.username if obj.decided_by and self.context["staff"] else None

    @extend_schema(
        operation_id="interventions_history",
        summary="Interventions and their audit trail",
        description=(
            "Staff see every intervention. A customer sees only their own offers that reached them (sent, redeemed, "
            "or expired after sending) — never proposals, rejections or control-group rows — and not which member "
            "of staff decided."
        ),
        responses=OutputSerializer,
    )
    def get(self, request: Request) -> Response:
        return self.paginated(
            self.filtered(interventions_visible_to(viewer=request.user)),
            serializer_class=self.OutputSerializer,
            context={"staff": sees_staff_data(request.user)},
        )
