// What the drills share about where a set's uploads are (issue 13): the manifest's "media" object as
// backup-upload.sh writes it and restore-apply.sh reads it, the environment of a site whose uploads are in the
// media bucket, and what a content archive and a content directory hold.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DRILL_PATH } from "./proc";

/** The media bucket the drills' s3-mode backups name. Never created: the restore only logs it, never reaches it. */
export const DRILL_MEDIA_BUCKET = "ghost-dcdr-media-drill";
/** The folders that hold Ghost's uploads, which an s3-mode set leaves out (scripts/datapath/lib.sh UPLOAD_FOLDERS). */
export const UPLOAD_FOLDERS = ["images", "files", "media"];
/** The folders every set carries (lib.sh SITE_FOLDERS). */
export const SITE_FOLDERS = ["themes", "settings"];

/** A backup pod of a site whose uploads are in the media bucket (steps.ts gives the dump step both variables). */
export function s3Backup(bucket = DRILL_MEDIA_BUCKET): NodeJS.ProcessEnv {
    return { MEDIA_STORAGE: "s3", MEDIA_BUCKET: bucket };
}
/** A restore pod of such a site (steps.ts gives the apply step MEDIA_STORAGE only). */
export const S3_SITE_RESTORE: NodeJS.ProcessEnv = { MEDIA_STORAGE: "s3" };

/**
 * A manifest's media object as raw text, `storage` and `bucket` being raw JSON values (a crafted set writes anything
 * there), laid out one key per line as backup-upload.sh writes it; `bucket` undefined leaves the key out.
 */
export function rawMediaBlock(storage: string, bucket?: string): string {
    return bucket === undefined
        ? `  "media": {\n    "storage": ${storage}\n  },\n`
        : `  "media": {\n    "storage": ${storage},\n    "bucket": ${bucket}\n  },\n`;
}

/** The media object exactly as backup-upload.sh writes it. */
export function mediaBlock(media: { storage: "s3" | "volume"; bucket?: string }): string {
    return rawMediaBlock(JSON.stringify(media.storage), media.bucket === undefined ? undefined : JSON.stringify(media.bucket));
}

/** `manifest` with its media object replaced by `block` ("" removes it, as in a set made before issue 13). */
export function withMediaBlock(manifest: string, block: string): string {
    const object = /^ {2}"media": \{\n(?:.*\n)*? {2}\},\n/m;
    if (!object.test(manifest)) throw new Error("the manifest has no media object to replace");
    return manifest.replace(object, () => block);
}

/** The media object of a published manifest, parsed as JSON (the manifest must be valid JSON). */
export function manifestMedia(manifest: string): unknown {
    return (JSON.parse(manifest) as { media?: unknown }).media;
}

/** The member names of a content.tar.zst, as tar lists them. */
export function archiveMembers(archive: string): string[] {
    return execFileSync("bash", ["-c", 'set -o pipefail; zstd -dc -- "$1" | tar -tf -', "_", archive], {
        env: { PATH: DRILL_PATH },
        encoding: "utf8",
        maxBuffer: 1 << 26,
    })
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.replace(/^(\.\/)+/, ""));
}

/** The distinct top-level names of `members`, sorted. */
export function topLevel(members: string[]): string[] {
    return [...new Set(members.map((m) => m.split("/")[0]).filter((m) => m !== "" && m !== "."))].sort();
}

/**
 * Every entry under `folders` of `dir` with what proves it was left exactly where it was: its inode, mode and, for
 * a file, its sha256. Equal before and after: not moved, not rewritten, not replaced.
 */
export function treeState(dir: string, folders: string[]): string {
    const out: string[] = [];
    const walk = (p: string) => {
        const st = fs.lstatSync(p);
        const rel = path.relative(dir, p);
        const id = `${rel} ino ${st.ino} mode ${(st.mode & 0o7777).toString(8)}`;
        if (st.isDirectory()) {
            out.push(`${id} dir`);
            for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
        } else if (st.isFile()) {
            out.push(`${id} ${crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex")}`);
        } else {
            out.push(`${id} not a file or directory`);
        }
    };
    for (const f of folders) if (fs.existsSync(path.join(dir, f))) walk(path.join(dir, f));
    return out.join("\n");
}

/** How many regular files `treeState` saw. */
export function fileCount(state: string): number {
    return state.split("\n").filter((l) => /ino \d+ mode \d+ [0-9a-f]{64}$/.test(l)).length;
}

/** Copies the directory tree `from` to `to` (which must not exist): files and directories only. */
export function copyTree(from: string, to: string): void {
    fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true });
}
