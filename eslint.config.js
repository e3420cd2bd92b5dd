// Lint rules: typescript-eslint's recommended set, no `any`, and the pipeline's layering (below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'test-artifacts/**', 'node_modules/**', '.cache/**', 'models/**'] },
  js.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  // the viewer (web/) runs in the browser: browser globals, not Node's
  { files: ['web/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Dependencies point one way along the pipeline: core → dicom → preprocess → synth | data → model →
  // train → infer (infer reads training runs to export them) → dicom-out (results as DICOM) → serve
  // → cli. Each stage may import only the stages before it; synth and data are independent of each
  // other; nothing imports src/cli.
  ...layerRules(),
);

function layerRules() {
  const order = ['core', 'dicom', 'preprocess', 'synth', 'data', 'model', 'train', 'infer', 'dicom-out', 'serve', 'cli'];
  // Stages on the same level that must not import each other.
  const peers = { synth: ['data'], data: ['synth'] };
  return order.slice(0, -1).map((stage) => {
    const banned = [...new Set(order.slice(order.indexOf(stage) + 1).concat(peers[stage] ?? []))];
    return {
      files: [`src/${stage}/**/*.ts`],
      rules: {
        'no-restricted-imports': ['error', {
          patterns: banned.map((b) => ({ group: [`**/${b}/*`, `**/${b}/**`], message: `src/${stage} must not import src/${b} (dependencies point one way).` })),
        }],
      },
    };
  });
}
