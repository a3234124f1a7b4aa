"""GraphQL SDL to the canonical contract model, through graphql-core.

Each field of the Query, Mutation and Subscription root types is an operation: its arguments
are parameters (``in: argument``) and its result type is the ``200`` response. Every other
named type is a registry schema: objects, interfaces and inputs become objects whose
non-null fields are required, enums string enums, unions ``oneOf``, and nullable fields
accept ``null``.
"""

from __future__ import annotations

import posixpath
from typing import Any, Literal

from graphql import (
    DefinitionNode,
    ExecutableDefinitionNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Node,
    Source,
    build_ast_schema,
    parse,
    validate_schema,
)
from graphql.pyutils import Undefined
from graphql.type import is_introspection_type, is_specified_scalar_type
from graphql.utilities import value_from_ast_untyped
from graphql.validation.validate import validate_sdl

from interloom.core.contracts.errors import (
    ContractError,
    ContractReferenceError,
    ContractStructureError,
    ContractWarningCode,
)
from interloom.core.contracts.model import (
    Contract,
    ContractFormat,
    GraphQLAddress,
    JsonSchema,
    MediaType,
    NamedSchema,
    Operation,
    Parameter,
    ParameterIn,
    Response,
    SourceLocation,
    Transport,
)
from interloom.core.contracts.schemas import schema_ref
from interloom.core.errors import Location
from interloom.formats.contracts.documents import WarningList

_BUILT_IN: dict[str, JsonSchema] = {
    "Int": {"type": "integer", "format": "int32"},
    "Float": {"type": "number"},
    "String": {"type": "string"},
    "Boolean": {"type": "boolean"},
    "ID": {"type": "string"},
}
_WELL_KNOWN_SCALARS: dict[str, JsonSchema] = {
    "DateTime": {"type": "string", "format": "date-time"},
    "Date": {"type": "string", "format": "date"},
    "Time": {"type": "string", "format": "time"},
    "UUID": {"type": "string", "format": "uuid"},
    "URL": {"type": "string", "format": "uri"},
    "URI": {"type": "string", "format": "uri"},
    "Email": {"type": "string", "format": "email"},
    "EmailAddress": {"type": "string", "format": "email"},
    "Long": {"type": "integer", "format": "int64"},
    "BigInt": {"type": "integer"},
    "Decimal": {"type": "string", "format": "decimal"},
    "BigDecimal": {"type": "string", "format": "decimal"},
    "JSON": {},
}
_UNIMPORTANT_SCHEMA_ERRORS = ("Query root type must be provided.",)


def _located(file: str, error: GraphQLError, kind: type[ContractError]) -> ContractError:
    line = column = None
    if error.locations:  # the last one is the definition at fault (a duplicate, an implementer)
        line, column = error.locations[-1].line, error.locations[-1].column
    return kind(
        f"not a valid GraphQL schema: {error.message}",
        location=Location(file=file, line=line, column=column),
    )


def import_graphql_sdl(text: str, file: str) -> Contract:
    """A GraphQL schema (SDL) as a contract."""
    try:
        document = parse(Source(text, file))
    except GraphQLError as error:
        raise _located(file, error, ContractError) from None
    errors = validate_sdl(document)
    if errors:
        first = errors[0]
        kind = ContractReferenceError if first.message.startswith("Unknown") else None
        raise _located(file, first, kind or ContractStructureError)
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (TypeError, GraphQLError) as error:
        raise ContractStructureError(
            f"not a valid GraphQL schema: {error}", location=Location(file=file)
        ) from None
    problems = [e for e in validate_schema(schema) if e.message not in _UNIMPORTANT_SCHEMA_ERRORS]
    if problems:
        raise _located(file, problems[0], ContractStructureError)
    return _SdlReader(schema, file, document.definitions).read()


class _SdlReader:
    def __init__(self, schema: GraphQLSchema, file: str, definitions: Any) -> None:
        self.schema = schema
        self.file = file
        self.definitions: tuple[DefinitionNode, ...] = tuple(definitions)
        self.warnings = WarningList()

    def _location(self, node: Node | None, pointer: str) -> SourceLocation:
        if node is None or node.loc is None:
            return SourceLocation(file=self.file, pointer=pointer)
        where = node.loc.source.get_location(node.loc.start)
        return SourceLocation(file=self.file, line=where.line, column=where.column, pointer=pointer)

    def read(self) -> Contract:
        for definition in self.definitions:
            if isinstance(definition, ExecutableDefinitionNode):
                self.warnings.add(
                    ContractWarningCode.UNSUPPORTED_FEATURE,
                    "queries and fragments in a schema file are not imported",
                    self._location(definition, ""),
                )
                break
        roots: dict[str, Literal["query", "mutation", "subscription"]] = {}
        for root, kind in (
            (self.schema.query_type, "query"),
            (self.schema.mutation_type, "mutation"),
            (self.schema.subscription_type, "subscription"),
        ):
            if root is not None:
                roots[root.name] = kind  # type: ignore[assignment]
        schemas: dict[str, NamedSchema] = {}
        for name, named in self.schema.type_map.items():
            if name in roots or is_introspection_type(named) or is_specified_scalar_type(named):
                continue
            schemas[name] = NamedSchema(
                name=name,
                json_schema=self._named(named),
                location=self._location(named.ast_node, f"/{name}"),
            )
        operations: list[Operation] = []
        ids: set[str] = set()
        for root_name, kind in roots.items():
            root_type = self.schema.get_type(root_name)
            assert isinstance(root_type, GraphQLObjectType)
            for field_name, field in root_type.fields.items():
                operations.append(self._operation(kind, root_name, field_name, field, ids))
        description = self.schema.description
        if not operations and not schemas:
            self.warnings.add(
                ContractWarningCode.NO_OPERATIONS, "the schema declares no type", None
            )
        return Contract(
            format=ContractFormat.GRAPHQL,
            format_version="2021",
            file=self.file,
            title=posixpath.basename(self.file).split(".", 1)[0],
            description=description,
            operations=tuple(operations),
            schemas=schemas,
            warnings=tuple(self.warnings.items),
        )

    def _operation(
        self,
        kind: Literal["query", "mutation", "subscription"],
        root: str,
        name: str,
        field: GraphQLField,
        ids: set[str],
    ) -> Operation:
        pointer = f"/{root}/{name}"
        operation_id = name if name not in ids else f"{root}.{name}"
        ids.add(operation_id)
        parameters = tuple(
            self._argument(arg_name, argument, f"{pointer}/{arg_name}")
            for arg_name, argument in field.args.items()
        )
        location = self._location(field.ast_node, pointer)
        response = Response(
            status="200",
            description=field.description,
            content={"application/json": MediaType(json_schema=self._type(field.type))},
            location=location,
        )
        return Operation(
            id=operation_id,
            transport=Transport.GRAPHQL,
            address=GraphQLAddress(root=kind, type=root, field=name),
            summary=field.description.split("\n", 1)[0] if field.description else None,
            description=field.description,
            parameters=parameters,
            responses={"200": response},
            deprecated=field.deprecation_reason is not None,
            deprecation_reason=field.deprecation_reason,
            location=location,
        )

    def _argument(self, name: str, argument: GraphQLArgument, pointer: str) -> Parameter:
        schema = self._type(argument.type)
        has_default, default = _default(argument)
        if has_default:
            schema = {**schema, "default": default}
        return Parameter(
            name=name,
            in_=ParameterIn.ARGUMENT,
            required=isinstance(argument.type, GraphQLNonNull) and not has_default,
            json_schema=schema,
            description=argument.description,
            deprecated=argument.deprecation_reason is not None,
            location=self._location(argument.ast_node, pointer),
        )

    def _named(self, named: GraphQLNamedType) -> JsonSchema:
        schema: JsonSchema
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            properties: dict[str, JsonSchema] = {}
            required: list[str] = []
            for field_name, field in named.fields.items():
                properties[field_name] = self._field(field)
                if isinstance(field.type, GraphQLNonNull):
                    required.append(field_name)
            schema = {"type": "object", "properties": properties}
            if required:
                schema["required"] = required
            if isinstance(named, GraphQLInputObjectType):
                schema["additionalProperties"] = False
        elif isinstance(named, GraphQLEnumType):
            schema = {"type": "string", "enum": list(named.values)}
        elif isinstance(named, GraphQLUnionType):
            schema = {"oneOf": [schema_ref(member.name) for member in named.types]}
        elif isinstance(named, GraphQLScalarType):
            schema = dict(_WELL_KNOWN_SCALARS.get(named.name, {}))
        else:  # pragma: no cover - graphql-core has no other named types
            schema = {}
        if named.description:
            schema["description"] = named.description
        return schema

    def _field(self, field: GraphQLField | GraphQLInputField) -> JsonSchema:
        schema = self._type(field.type)
        if field.description:
            schema = {**schema, "description": field.description}
        if field.deprecation_reason is not None:
            schema = {**schema, "deprecated": True}
        if isinstance(field, GraphQLInputField):
            has_default, default = _default(field)
            if has_default:
                schema = {**schema, "default": default}
        return schema

    def _type(self, kind: Any, nullable: bool = True) -> JsonSchema:
        if isinstance(kind, GraphQLNonNull):
            return self._type(kind.of_type, nullable=False)
        if isinstance(kind, GraphQLList):
            items = self._type(kind.of_type)
            return {"type": ["array", "null"] if nullable else "array", "items": items}
        name = kind.name
        if name in _BUILT_IN:
            schema = dict(_BUILT_IN[name])
            if nullable:
                schema["type"] = [schema["type"], "null"]
            return schema
        if nullable:
            return {"anyOf": [schema_ref(name), {"type": "null"}]}
        return schema_ref(name)


def _default(argument: GraphQLArgument | GraphQLInputField) -> tuple[bool, Any]:
    """Whether an argument or input field has a default, and that default as JSON data."""
    wrapped = getattr(argument, "default", None)  # graphql-core 3.3: the literal as written
    if wrapped is not None:
        if wrapped.value is not Undefined:
            return True, _plain(wrapped.value)
        if wrapped.literal is not None:
            return True, _plain(value_from_ast_untyped(wrapped.literal))
    if argument.default_value is not Undefined:
        return True, _plain(argument.default_value)
    return False, None


def _plain(value: Any) -> Any:
    """A default value as JSON data (graphql-core gives enum values and input objects)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
