"""@name@: a zeroclaw provider plugin in Python (a greeter, not a language model).

The `wit_world` modules are generated from the provider world's WIT when the plugin is
built; see docs/python-plugins.md for how to write them out for an editor.
"""

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.provider import ProviderError_Permanent
from wit_world.imports.types import ChatRequest, ChatResponse, Role, TokenUsage


class Provider(exports.Provider):
    def chat(self, name: str, request: ChatRequest) -> ChatResponse:
        if name != "@ident@":
            raise Err(ProviderError_Permanent(f"no provider `{name}`"))
        said = next((m.content for m in reversed(request.messages) if m.role == Role.USER), "")
        text = f"Hello from @name@! You said: {said}"
        return ChatResponse(
            text=text,
            tool_calls=[],
            usage=TokenUsage(prompt_tokens=0, completion_tokens=len(text.split())),
            model=request.model,
        )
