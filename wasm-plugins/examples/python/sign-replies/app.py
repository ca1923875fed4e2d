"""sign-replies: a modifying hook in Python that appends a signature to every reply.

The signature comes from the plugin's config (`plugins.entries.sign-replies.config`),
`-- sent by zeroclaw` by default. A reply that already ends with it is passed on as is.
"""

import json
from dataclasses import replace

from wit_world import exports
from wit_world.imports import config, log
from wit_world.imports.zeroclaw_hooks_types import (
    HookContext,
    HookEvent,
    HookEvent_MessageSending,
    Outcome,
    Outcome_Continue,
    Outcome_Modify,
)

DEFAULT_SIGNATURE = "-- sent by zeroclaw"


class Handler(exports.Handler):
    def handle(self, ctx: HookContext, event: HookEvent) -> Outcome:
        if not isinstance(event, HookEvent_MessageSending):
            return Outcome_Continue()
        signature = json.loads(config.get()).get("signature", DEFAULT_SIGNATURE)
        reply = event.value
        if reply.content.endswith(signature):
            return Outcome_Continue()
        log.log(log.Level.DEBUG, f"signing a reply to {reply.recipient}")
        signed = replace(reply, content=f"{reply.content}\n\n{signature}")
        return Outcome_Modify(HookEvent_MessageSending(signed))
