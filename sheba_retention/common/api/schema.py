"""OpenAPI schema naming: a serializer nested in a view is named after the view.

Every APIView here nests its own `InputSerializer` / `OutputSerializer` (STYLE.md); without this they would all be
the component "Output", and the schema mobile developers generate clients from would be wrong.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        cls = serializer.__class__
        outer, _, inner = cls.__qualname__.rpartition(".")
        if not outer:
            return cls.__name__
        view = outer.split(".")[0].removesuffix("Api")
        return view + inner.removesuffix("Serializer")
