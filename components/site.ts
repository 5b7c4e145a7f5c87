/** The two sites. A leaf every component may import: components never import from stacks/ (docs/STYLE layering). */
export type Site = "dc" | "dr";
export const SITES: readonly Site[] = ["dc", "dr"];
