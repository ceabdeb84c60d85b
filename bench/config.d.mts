/** Write a realistic machinist configuration of n containers into dir (see config.mjs). */
export function writeConfig(n: number, dir: string): string;
