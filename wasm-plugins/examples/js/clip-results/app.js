// clip-results: a modifying hook in JavaScript on `tool_result_persist`. A tool result
// longer than `max_chars` characters (config, default 2000) is cut there, and the model
// is told how much was left out; shorter results pass on unchanged.

import { get as getConfig } from 'zeroclaw:host/config@1.1.0';
import { log } from 'zeroclaw:host/log@1.1.0';

const DEFAULT_MAX_CHARS = 2000;

export const handler = {
  handle(ctx, event) {
    if (event.tag !== 'tool-result-persist') return { tag: 'continue' };
    const { maxChars = DEFAULT_MAX_CHARS } = camelCase(JSON.parse(getConfig()));
    const persisted = event.val;
    const chars = [...persisted.result.content];
    if (chars.length <= maxChars) return { tag: 'continue' };
    const left = chars.length - maxChars;
    log('info', `clipped the result of ${persisted.call.name} by ${left} characters`);
    const content = `${chars.slice(0, maxChars).join('')}… [clipped ${left} characters]`;
    const clipped = { ...persisted, result: { ...persisted.result, content } };
    return { tag: 'modify', val: { tag: 'tool-result-persist', val: clipped } };
  },
};

// The config is the operator's TOML, snake_case; JavaScript names are camelCase.
function camelCase(object) {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k.replace(/_(.)/g, (_, c) => c.toUpperCase()), v]));
}
