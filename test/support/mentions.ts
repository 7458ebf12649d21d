/** Mentions Discord would render: `<@`, `<@&`, `<@!` or `<#` after an even run of backslashes. */
export function unescapedMentions(value: string): string[] {
  const found: string[] = [];
  for (const match of value.matchAll(/<[@#]/g)) {
    let backslashes = 0;
    for (let index = match.index - 1; index >= 0 && value[index] === "\\"; index -= 1) {
      backslashes += 1;
    }
    if (backslashes % 2 === 0)
      found.push(value.slice(Math.max(0, match.index - 8), match.index + 8));
  }
  return found;
}
