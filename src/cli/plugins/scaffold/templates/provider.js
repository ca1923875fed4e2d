// @name@: a zeroclaw provider plugin in JavaScript (a greeter, not a language model).
// WIT names are camelCase here; enums are strings (docs/javascript-plugins.md).

export const provider = {
  chat(name, request) {
    if (name !== '@ident@') {
      throw { tag: 'permanent', val: `no provider \`${name}\`` };
    }
    const said = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const text = `Hello from @name@! You said: ${said}`;
    return {
      text,
      toolCalls: [],
      usage: { promptTokens: 0, completionTokens: text.split(/\s+/).filter(Boolean).length },
      model: request.model,
    };
  },
};
