import { pinyin } from 'pinyin-pro';

/**
 * Pinyin initials of a name for search (`张三丰` → `zsf`, `欧阳娜娜` → `oynn`); surnames read as surnames
 * (`单` → s). Latin words give their first letter (`Ali Khan` → `ak`). Null when nothing is left.
 */
export function nameInitials(name: string): string | null {
  let out = '';
  for (const run of name.match(/[\u3400-\u9fff]+|[A-Za-z]+/g) ?? []) {
    out += /^[A-Za-z]/.test(run)
      ? run[0]!.toLowerCase()
      : pinyin(run, { pattern: 'first', toneType: 'none', type: 'array', surname: out ? 'off' : 'head' })
          .join('')
          .toLowerCase()
          .replace(/[^a-z]/g, '');
  }
  return out ? out.slice(0, 20) : null;
}
