"""Teaches mypy that calling a factory_boy factory, `CustomerFactory()`, returns the model it makes.

factory_boy types `Factory.create()` and `.build()` by the factory's generic parameter (`DjangoModelFactory[Customer]`),
but the call itself goes through an untyped metaclass `__call__`, so mypy takes it for an instance of the factory
(factory_boy issue #468, mypy issue #14122). This hook gives the call the return type of `create()`: the model for a
parametrised factory, `Any` for one declared without a parameter.
"""

from collections.abc import Callable

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import TypeInfo
from mypy.plugin import FunctionContext, Plugin
from mypy.types import Instance, Type, get_proper_type

BASE_FACTORY = "factory.base.BaseFactory"


class FactoryBoyPlugin(Plugin):
    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        symbol = self.lookup_fully_qualified(fullname)
        if symbol is not None and isinstance(symbol.node, TypeInfo) and symbol.node.has_base(BASE_FACTORY):
            return factory_call_type
        return None


def factory_call_type(ctx: FunctionContext) -> Type:
    factory = get_proper_type(ctx.default_return_type)
    if not isinstance(factory, Instance):
        return ctx.default_return_type
    base = next(info for info in factory.type.mro if info.fullname == BASE_FACTORY)
    return map_instance_to_supertype(factory, base).args[0]


def plugin(version: str) -> type[Plugin]:
    return FactoryBoyPlugin
