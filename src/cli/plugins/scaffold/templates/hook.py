"""@name@: a zeroclaw hook plugin in Python, built by componentize-py.

It observes `agent_end` and logs each turn. To rewrite a payload instead, subscribe to a
modifying hook in plugin.toml (e.g. `message_sending`), request its capability
(`messages:modify`), and return `Outcome_Modify(HookEvent_MessageSending(changed))`.

The `wit_world` modules are generated from the hook world's WIT when the plugin is built;
see docs/python-plugins.md for how to write them out for an editor.
"""

from wit_world import exports
from wit_world.imports import log
from wit_world.imports.zeroclaw_hooks_types import (
    HookContext,
    HookEvent,
    HookEvent_AgentEnd,
    Outcome,
    Outcome_Continue,
)


class Handler(exports.Handler):
    def handle(self, ctx: HookContext, event: HookEvent) -> Outcome:
        # Raising `componentize_py_types.Err("why")` reports an error; any other
        # exception traps the call, and the host quotes it.
        if isinstance(event, HookEvent_AgentEnd):
            end = event.value
            session = ctx.session_id or "-"
            log.log(
                log.Level.INFO,
                f"session {session}: turn ended after {end.iterations} model call(s) and {end.tool_calls} tool call(s)",
            )
        return Outcome_Continue()
