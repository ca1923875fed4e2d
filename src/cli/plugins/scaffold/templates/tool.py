"""@ident@: a zeroclaw tool plugin in Python, built by componentize-py.

The `wit_world` modules are generated from the tool world's WIT when the plugin is built;
see docs/python-plugins.md for how to write them out for an editor.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.tool import ToolError_Execution
from wit_world.imports.types import ToolEffect, ToolSpec

SCHEMA = {
    "type": "object",
    "properties": {"text": {"type": "string"}},
    "required": ["text"],
    "additionalProperties": False,
}


class Tool(exports.Tool):
    def list_specs(self) -> list[ToolSpec]:
        return [
            ToolSpec(
                name="@ident@",
                description="Reverses a text.",
                parameters=json.dumps(SCHEMA),
                effect=ToolEffect.READ,
            )
        ]

    def invoke(self, name: str, arguments: str) -> str:
        # The host checked `arguments` against SCHEMA before the call.
        if name != "@ident@":
            raise Err(ToolError_Execution(f"no tool `{name}`"))
        args = json.loads(arguments)
        return args["text"][::-1]
