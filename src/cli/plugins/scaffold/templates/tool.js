// @ident@: a zeroclaw tool plugin in JavaScript, built by componentize-qjs (QuickJS).
// WIT names are camelCase here; enums are strings (docs/javascript-plugins.md).

const SCHEMA = {
  type: 'object',
  properties: { text: { type: 'string' } },
  required: ['text'],
  additionalProperties: false,
};

export const tool = {
  listSpecs() {
    return [{ name: '@ident@', description: 'Reverses a text.', parameters: JSON.stringify(SCHEMA), effect: 'read' }];
  },

  invoke(name, args) {
    // The host checked `args` against SCHEMA before the call. A thrown
    // { tag: 'execution', val: 'why' } is the tool's error; any other throw is quoted.
    if (name !== '@ident@') {
      throw { tag: 'execution', val: `no tool \`${name}\`` };
    }
    const { text } = JSON.parse(args);
    return [...text].reverse().join('');
  },
};
