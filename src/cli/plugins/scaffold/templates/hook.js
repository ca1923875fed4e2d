// @name@: a zeroclaw hook plugin in JavaScript, built by componentize-qjs (QuickJS).
//
// It observes `agent_end` and logs each turn. To rewrite a payload instead, subscribe to a
// modifying hook in plugin.toml (e.g. `message_sending`), request its capability
// (`messages:modify`), and return { tag: 'modify', val: { tag: 'message-sending', val: changed } }.
// WIT names are camelCase here; variants are { tag, val } objects (docs/javascript-plugins.md).

import { log } from 'zeroclaw:host/log@1.1.0';

export const handler = {
  handle(ctx, event) {
    // Throwing reports an error; the host quotes its message.
    if (event.tag === 'agent-end') {
      const end = event.val;
      const session = ctx.sessionId ?? '-';
      log('info', `session ${session}: turn ended after ${end.iterations} model call(s) and ${end.toolCalls} tool call(s)`);
    }
    return { tag: 'continue' };
  },
};
