/** "Did you mean": the candidate nearest to a typo, for unknown keys and mistyped regions. */

/**
 * The candidate nearest to `typo` (case-insensitive), when at most `maxDistance` edits away. Of several equally
 * near, `prefer` when it is one of them (the example the message would give anyway), else the first.
 */
export function nearest(typo: string, candidates: readonly string[], maxDistance: number, prefer?: string): string | undefined {
    let best: string | undefined;
    let bestDistance = maxDistance + 1;
    for (const candidate of candidates) {
        const d = editDistance(typo.toLowerCase(), candidate.toLowerCase());
        if (d < bestDistance || (d === bestDistance && d <= maxDistance && candidate === prefer)) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best;
}

/**
 * Edits (insert, delete, substitute, or swap two neighbours) that turn `a` into `b`: the optimal string alignment
 * distance, so a swap such as eu-wset-1 for eu-west-1 counts as one typo, not two.
 */
export function editDistance(a: string, b: string): number {
    // d[i][j]: distance between the first i characters of a and the first j of b.
    const d = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}
