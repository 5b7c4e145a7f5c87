// npm run drill:hostile-content: a content archive is hostile input (issue 10, findings 3, 7 and 12).
//
// MariaDB (DC + DR) and moto only. DR is restored from a genuine set; then sets are crafted as an
// attacker who can write the bucket would build them (python3's tarfile writes any member type
// without root) and published with a manifest that matches their bytes. Each must be refused with
// one ERROR line naming the member or the budget, DR's database and content unchanged, and nothing
// created outside the content directory; the archives Ghost could still use (setuid bit, odd
// directory modes) restore with normalised modes, and a genuine restore afterwards succeeds.
//
// Issue 13 adds where the uploads are: data/ may carry only the redirects files (regular files, nothing else: the
// rest of data/ can be Ghost's SQLite database), a set whose manifest says its uploads are in the media bucket may
// carry only themes and settings, and the genuine cases prove what the backup archives in each mode, that the
// redirects round-trip byte-identical file by file (the rest of the live data/ untouched, a failed move rolled
// back), that an s3 set leaves the live uploads exactly where they are, and that a volume set brings its uploads
// onto an s3 site's volume.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawn } from "child_process";
import { Cases, describe, DrWatch, mustPass, openDrill, Outcome, refused } from "./lib/cases";
import { DATABASE, giveToPod, PodOptions, Site, StepsResult } from "./lib/datapath";
import { generateGhostDb } from "./lib/ghostdata";
import { diffChecksums } from "./lib/mariadb";
import {
    archiveMembers,
    copyTree,
    DRILL_MEDIA_BUCKET,
    fileCount,
    manifestMedia,
    mediaBlock,
    S3_SITE_RESTORE,
    s3Backup,
    SITE_FOLDERS,
    topLevel,
    treeState,
    UPLOAD_FOLDERS,
    withMediaBlock,
} from "./lib/mediaCases";
import { DRILL_PATH, drillIsRoot, log, POD_GID, POD_UID, runMain, SCRIPTS_DIR } from "./lib/proc";

const GOOD = "20260201T000000Z";
/** A genuine set whose content carries data/redirects.json (volume mode, issue 13). */
const REDIRECTS = "20260202T000000Z";
/** A genuine set made with MEDIA_STORAGE=s3: themes and settings only. */
const S3_SET = "20260203T000000Z";
/** Expanded size of the content bombs: far over the genuine set's budget (contentBytes + 10% + 16 MiB). */
const BOMB_BYTES = 256 * 1024 * 1024;
/** Ghost's content folders, the only top-level names a content archive may hold (backup-dump.sh). */
const FOLDERS = ["images", "files", "media", "themes", "settings"];

/** One tar member, as python3's tarfile writes it. */
interface Member {
    name: string;
    type: "file" | "dir" | "symlink" | "hardlink" | "chr" | "fifo";
    mode?: number;
    link?: string;
    /** Content of a file (utf8), or `zeros` bytes of zeros. */
    data?: string;
    zeros?: number;
}

// Writes a tar of the members in argv[1] (JSON) to stdout; `trailing` bytes of junk follow the end marker.
const TAR_WRITER = `
import io, json, sys, tarfile
spec = json.load(open(sys.argv[1]))
class Zeros(io.RawIOBase):
    def __init__(self, n): self.left = n
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left); b[:n] = bytes(n); self.left -= n; return n
types = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
         "chr": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}
out = sys.stdout.buffer
with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as t:
    for m in spec["members"]:
        ti = tarfile.TarInfo(m["name"]); ti.type = types[m["type"]]; ti.mtime = 1767225600
        ti.mode = m.get("mode", 0o755 if m["type"] == "dir" else 0o644)
        ti.linkname = m.get("link", ""); ti.devmajor, ti.devminor = 1, 3
        body = None
        if m["type"] == "file":
            if "zeros" in m: ti.size = m["zeros"]; body = io.BufferedReader(Zeros(m["zeros"]), 1 << 20)
            else: data = m.get("data", "").encode(); ti.size = len(data); body = io.BytesIO(data)
        t.addfile(ti, body)
junk = b"JUNK" * 262144
left = spec.get("trailing", 0)
while left > 0:
    out.write(junk[:left]); left -= len(junk)
`;

async function main(): Promise<boolean> {
    const ground = await openDrill("hostile-content");
    const { root, dcDb, drDb, moto, s3, dc, dr } = ground;
    const [BUCKET, PREFIX] = [s3.bucket, s3.prefix];
    const pod = (site: Site, name: string) => ground.pod(site, name);
    generateGhostDb(dcDb, DATABASE, 2 * 1024 * 1024, 1);
    writeContent(dc.contentDir);
    fs.mkdirSync(dr.contentDir, { recursive: true });

    await mustPass(ground.run("backup", pod(dc, "b0"), { env: { BACKUP_ID: GOOD } }), "genuine backup");
    const goodManifest = moto.getText(BUCKET, `${PREFIX}${GOOD}/manifest.json`);
    const declared = /"contentBytes": (\d+)/.exec(goodManifest);
    // Until backup-upload.sh publishes contentBytes, the genuine set needs the operator's budget.
    const legacy: NodeJS.ProcessEnv = declared ? {} : { RESTORE_CONTENT_MAX_BYTES: String(64 * 1024 * 1024) };
    if (!declared) log("note: the genuine manifest has no contentBytes; its restores pass RESTORE_CONTENT_MAX_BYTES");
    const goodContentBytes = declared ? Number(declared[1]) : 1024 * 1024;
    await mustPass(ground.run("restore", pod(dr, "r0"), { env: legacy }), "baseline restore");

    const sentinels = [
        path.join(root, "escape-hostile"),
        path.join(dr.contentDir, "escape-hostile"),
        `/tmp/dcdr-hostile-${process.pid}`,
    ];
    const drWatch = new DrWatch(drDb, DATABASE, dr.contentDir, {
        content: {
            read: () => fingerprint(dr.contentDir),
            changed: (before, now) => `DR content changed: ${firstDiff(before, now)}`,
        },
    });
    const drUnchanged = () => drWatch.unchanged();
    /** What must hold after every case, refused or not. */
    const contained = (): string[] => {
        const problems = sentinels.filter((s) => lexists(s)).map((s) => `created outside the content directory: ${s}`);
        problems.push(...unsafeEntries(dr.contentDir).map((e) => `in DR's content directory: ${e}`));
        return problems;
    };

    /**
     * Publishes GOOD's database with `archive` as content.tar.zst under `id`; `contentBytes` null drops the field;
     * `media` replaces the manifest's media object (raw text).
     */
    const publish = (id: string, archive: string, contentBytes: number | null = goodContentBytes, media?: string): void => {
        const dir = path.join(root, "craft", id);
        fs.mkdirSync(dir, { recursive: true });
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", `s3://${BUCKET}/${PREFIX}${GOOD}/`, dir]);
        fs.copyFileSync(archive, path.join(dir, "content.tar.zst"));
        let m = goodManifest.replace(`"backupId": "${GOOD}"`, `"backupId": "${id}"`).replace(/^ *"contentBytes": \d+,\n/m, "");
        if (contentBytes !== null) m = m.replace(/^( *)("tableCount": .*\n)/m, `$1$2$1"contentBytes": ${contentBytes},\n`);
        const file = path.join(dir, "content.tar.zst");
        const sha = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
        m = m.replace(
            /("name": "content\.tar\.zst", "kind": "[^"]*", "bytes": )\d+(, "sha256": ")[0-9a-f]{64}/,
            `$1${fs.statSync(file).size}$2${sha}`,
        );
        if (media !== undefined) m = withMediaBlock(m, media);
        fs.writeFileSync(path.join(dir, "manifest.json"), m);
        // Signed with dc's key: these cases test what the restore admits from a set that passes every
        // check before the content (a compromised dc, or a set whose archive was made badly).
        fs.writeFileSync(path.join(dir, "manifest.json.sig"), `${moto.signManifest(s3.signingKeyId, m)}\n`);
        moto.aws(["s3", "cp", "--only-show-errors", "--recursive", dir, `s3://${BUCKET}/${PREFIX}${id}/`]);
    };
    let serial = 0;
    const nextId = () => `20260101T0000${String(++serial).padStart(2, "0")}Z`;
    const craftTar = (members: Member[], trailing = 0): string => {
        const dir = path.join(root, "craft");
        fs.mkdirSync(dir, { recursive: true });
        const spec = path.join(dir, `spec-${serial + 1}.json`);
        const out = path.join(dir, `content-${serial + 1}.tar.zst`);
        fs.writeFileSync(spec, JSON.stringify({ members, trailing }));
        execFileSync("bash", ["-c", 'set -o pipefail; python3 -c "$1" "$2" | zstd -q -f -o "$3"', "_", TAR_WRITER, spec, out], {
            env: { PATH: DRILL_PATH },
            stdio: ["ignore", "pipe", "pipe"],
        });
        return out;
    };

    /** The genuine set's content.tar.zst, downloaded once. */
    const goodArchive = (): string => {
        const archive = path.join(root, "craft", "good.tar.zst");
        if (!fs.existsSync(archive))
            moto.aws(["s3", "cp", "--only-show-errors", `s3://${BUCKET}/${PREFIX}${GOOD}/content.tar.zst`, archive]);
        return archive;
    };

    /** Restores `archive` as a new set; returns the steps' result and the most bytes DR's content dir held. */
    const restoreArchive = async (
        name: string,
        archive: string,
        contentBytes: number | null = goodContentBytes,
        extra: NodeJS.ProcessEnv = {},
        media?: string,
    ): Promise<{ result: StepsResult; peak: number }> => {
        const id = nextId();
        publish(id, archive, contentBytes, media);
        const base = diskBytes(dr.contentDir);
        let peak = 0;
        const timer = setInterval(() => (peak = Math.max(peak, diskBytes(dr.contentDir) - base)), 100);
        try {
            const opts: PodOptions = { env: { RESTORE_BACKUP_ID: id, RESTORE_FORCE: "true", ...extra } };
            const result = await ground.run("restore", pod(dr, name), opts);
            peak = Math.max(peak, diskBytes(dr.contentDir) - base);
            return { result, peak };
        } finally {
            clearInterval(timer);
        }
    };

    /** A hostile archive: refused with an ERROR matching `expect`, DR unchanged, nothing outside content. */
    const refuse = async (
        name: string,
        expect: RegExp,
        members: Member[],
        opts: { trailing?: number; media?: string; env?: NodeJS.ProcessEnv } = {},
    ): Promise<Outcome> => {
        const { result, peak } = await restoreArchive(
            name,
            craftTar(members, opts.trailing ?? 0),
            goodContentBytes,
            opts.env,
            opts.media,
        );
        return {
            did: `${describe(result)}; DR content grew by at most ${peak} bytes during the run`,
            problems: [...refused(result, expect), ...drUnchanged(), ...contained()],
        };
    };

    // ---- issue 13: helpers of the media and redirects cases ----
    const S3_BLOCK = mediaBlock({ storage: "s3", bucket: DRILL_MEDIA_BUCKET });
    const outputOf = (result: StepsResult) => result.steps.map((s) => s.output).join("\n");
    /** The content.tar.zst of a published set, downloaded. */
    const setArchive = (id: string): string => {
        const file = path.join(root, "craft", `${id}-content.tar.zst`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        moto.aws(["s3", "cp", "--only-show-errors", `s3://${BUCKET}/${PREFIX}${id}/content.tar.zst`, file]);
        return file;
    };
    /** DC's content as a second site would have it (a copy), changed by `edit`: DC's own stays as GOOD has it. */
    const dcVariant = (name: string, edit: (dir: string) => void): Site => {
        const dir = path.join(root, `dc-content-${name}`);
        fs.rmSync(dir, { recursive: true, force: true });
        copyTree(dc.contentDir, dir);
        edit(dir);
        return { ...dc, contentDir: dir };
    };
    const write = (dir: string, rel: string, body: Buffer | string) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), body);
    };
    const sha = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    const drData = path.join(dr.contentDir, "data");
    /** DR's live data/ as the pods' uid owns it, holding `files` (name -> content). */
    const liveData = (files: Record<string, Buffer | string>) => {
        fs.mkdirSync(drData, { recursive: true });
        for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(drData, name), body);
        giveToPod(drData, ...Object.keys(files).map((n) => path.join(drData, n)));
    };
    let s3Source: Site | undefined;

    const genuine = (rel: string) => fs.readFileSync(path.join(dc.contentDir, rel), "utf8");
    const cases: { name: string; run: () => Promise<Outcome> }[] = [
        {
            name: "symlink media -> / (served /content/media/etc/passwd)",
            run: () =>
                refuse("symlink-root", /member 'media' is a symbolic link/, [
                    { name: "images/", type: "dir" },
                    { name: "media", type: "symlink", link: "/" },
                ]),
        },
        {
            name: "symlink files -> ../../..",
            run: () =>
                refuse("symlink-up", /member 'files' is a symbolic link/, [{ name: "files", type: "symlink", link: "../../.." }]),
        },
        {
            name: "symlink images/z -> /etc/passwd",
            run: () =>
                refuse("symlink-file", /member 'images\/z' is a symbolic link/, [
                    { name: "images/", type: "dir" },
                    { name: "images/z", type: "symlink", link: "/etc/passwd" },
                ]),
        },
        {
            name: "hard link to /etc/passwd",
            run: () =>
                refuse("hardlink", /member 'images\/h' is a hard link/, [
                    { name: "images/", type: "dir" },
                    { name: "images/h", type: "hardlink", link: "/etc/passwd" },
                ]),
        },
        {
            name: "member ../../escape-hostile",
            run: () =>
                refuse("dotdot", /member '\.\.\/\.\.\/escape-hostile' has a '\.\.' component/, [
                    { name: "images/", type: "dir" },
                    { name: "../../escape-hostile", type: "file", data: "escaped" },
                ]),
        },
        {
            name: `absolute member /tmp/dcdr-hostile-${process.pid}`,
            run: () =>
                refuse("absolute", /member '\/tmp\/dcdr-hostile-\d+' is an absolute path/, [
                    { name: "images/", type: "dir" },
                    { name: `/tmp/dcdr-hostile-${process.pid}`, type: "file", data: "escaped" },
                ]),
        },
        {
            name: "character device images/null (1,3)",
            run: () =>
                refuse("device", /member 'images\/null' is a character device/, [
                    { name: "images/", type: "dir" },
                    { name: "images/null", type: "chr" },
                ]),
        },
        {
            name: "fifo images/pipe",
            run: () =>
                refuse("fifo", /member 'images\/pipe' is a fifo/, [
                    { name: "images/", type: "dir" },
                    { name: "images/pipe", type: "fifo" },
                ]),
        },
        {
            name: "member outside Ghost's content folders (.dcdr-restored)",
            run: () =>
                refuse("outside", /member '\.dcdr-restored' is outside images, files, media, themes, settings/, [
                    { name: "images/", type: "dir" },
                    { name: ".dcdr-restored", type: "file", data: "backupId=20990101T000000Z\n" },
                ]),
        },
        {
            name: "content bomb: 256 MiB of zeros against the genuine contentBytes",
            run: async () => {
                const archive = craftTar([
                    { name: "images/", type: "dir" },
                    { name: "images/bomb.png", type: "file", zeros: BOMB_BYTES },
                ]);
                const { result, peak } = await restoreArchive("bomb", archive);
                const problems = [...refused(result, /expands to more than/), ...drUnchanged(), ...contained()];
                if (peak > 1024 * 1024) problems.push(`DR's content volume grew by ${peak} bytes before the refusal`);
                return {
                    did: `${describe(result)}; ${fs.statSync(archive).size}-byte archive, ${peak} bytes written to DR's content volume`,
                    problems,
                };
            },
        },
        {
            name: "bomb whose manifest declares it (contentBytes 1 TiB) on a volume with 100 MiB free",
            run: async () => {
                const archive = craftTar([
                    { name: "images/", type: "dir" },
                    { name: "images/bomb.png", type: "file", zeros: BOMB_BYTES },
                ]);
                // A full volume, simulated: everything but 100 MiB of the real free space is held in reserve.
                const st = fs.statfsSync(dr.contentDir);
                const reserve = st.bavail * st.bsize - 100 * 1024 * 1024;
                const { result, peak } = await restoreArchive("bomb-declared", archive, 2 ** 40, {
                    CONTENT_RESERVE_BYTES: String(reserve),
                });
                const problems = [...refused(result, /free on the content volume/), ...drUnchanged(), ...contained()];
                if (peak > 1024 * 1024) problems.push(`DR's content volume grew by ${peak} bytes before the refusal`);
                return { did: `${describe(result)}; ${peak} bytes written to DR's content volume`, problems };
            },
        },
        {
            name: "listing that lies: members sum to 6 bytes, the stream is 256 MiB",
            run: () =>
                refuse(
                    "lying-listing",
                    /expands to more than/,
                    [
                        { name: "images/", type: "dir" },
                        { name: "images/tiny.png", type: "file", data: "tiny!\n" },
                    ],
                    { trailing: BOMB_BYTES },
                ),
        },
        {
            name: "sparse member: a 6-byte stream that lists 64 GiB",
            run: async () => {
                const dir = path.join(root, "craft", "sparse");
                fs.mkdirSync(path.join(dir, "images"), { recursive: true });
                const file = path.join(dir, "images", "sparse.png");
                execFileSync("truncate", ["-s", "64G", file], { env: { PATH: DRILL_PATH } });
                const archive = path.join(root, "craft", "sparse.tar.zst");
                execFileSync(
                    "bash",
                    ["-c", 'set -o pipefail; tar --sparse -C "$1" -cf - images | zstd -q -f -o "$2"', "_", dir, archive],
                    {
                        env: { PATH: DRILL_PATH },
                        stdio: ["ignore", "pipe", "pipe"],
                    },
                );
                fs.rmSync(dir, { recursive: true });
                const { result, peak } = await restoreArchive("sparse", archive);
                return {
                    did: `${describe(result)}; ${peak} bytes written`,
                    problems: [...refused(result, /declares \d+ bytes of files/), ...drUnchanged(), ...contained()],
                };
            },
        },
        {
            name: "set whose manifest has no contentBytes (made before the budget existed)",
            run: async () => {
                const { result } = await restoreArchive("no-budget", goodArchive(), null);
                return {
                    did: describe(result),
                    problems: [...refused(result, /declares no usable contentBytes/), ...drUnchanged(), ...contained()],
                };
            },
        },
        {
            name: "content-extract.sh run as root",
            run: async () => {
                const dest = path.join(root, "as-root");
                fs.mkdirSync(dest);
                const archive = craftTar([{ name: "images/", type: "dir" }]);
                const result = await runAsRoot([archive, dest, "1048576"]);
                const problems: string[] = [];
                if (result.code === 0) problems.push("it ran as root");
                if (!/ERROR: content-extract\.sh runs as root/.test(result.output))
                    problems.push(`no refusal line: ${result.output.trim()}`);
                if (fs.readdirSync(dest).length > 0) problems.push("it extracted something");
                return { did: result.code === 0 ? "it ran" : `refused: "${lastError(result.output)}"`, problems };
            },
        },
        {
            name: "setuid file images/suid.png (mode 4755)",
            run: async () => {
                const { result } = await restoreArchive(
                    "setuid",
                    craftTar([
                        { name: "images/", type: "dir" },
                        { name: "images/suid.png", type: "file", mode: 0o4755, data: "png?" },
                    ]),
                );
                const problems = result.ok ? [] : [`the restore failed: ${result.error}`];
                const file = path.join(dr.contentDir, "images", "suid.png");
                const mode = lexists(file) ? fs.lstatSync(file).mode & 0o7777 : -1;
                if (mode !== 0o644) problems.push(`images/suid.png has mode ${mode.toString(8)}, not 644`);
                problems.push(...contained());
                drWatch.rebaseline();
                return {
                    did: `${result.ok ? "restored" : "failed"}; images/suid.png extracted with mode ${mode.toString(8)}`,
                    problems,
                };
            },
        },
        {
            name: "directory modes in the tar: ./ 000, images/ 0555 (finding 7)",
            run: async () => {
                const { result } = await restoreArchive(
                    "modes",
                    craftTar([
                        { name: "./", type: "dir", mode: 0 },
                        { name: "images/", type: "dir", mode: 0o555 },
                        { name: "images/kept.png", type: "file", mode: 0o400, data: "kept" },
                        { name: "settings/", type: "dir", mode: 0 },
                        { name: "settings/routes.yaml", type: "file", mode: 0, data: "routes:\n" },
                    ]),
                );
                const problems = result.ok ? [] : [`the restore failed: ${result.error}`];
                const modes = ["images", "images/kept.png", "settings", "settings/routes.yaml"].map((rel) => {
                    const p = path.join(dr.contentDir, rel);
                    return `${rel} ${lexists(p) ? (fs.lstatSync(p).mode & 0o7777).toString(8) : "missing"}`;
                });
                if (modes.join(",") !== "images 755,images/kept.png 644,settings 755,settings/routes.yaml 644")
                    problems.push(`modes after the restore: ${modes.join(", ")}`);
                const kept = path.join(dr.contentDir, "images", "kept.png");
                if (!lexists(kept) || fs.readFileSync(kept, "utf8") !== "kept") problems.push("images/kept.png was not restored");
                problems.push(...contained());
                drWatch.rebaseline();
                return { did: `${result.ok ? "restored" : "failed"}; ${modes.join(", ")}`, problems };
            },
        },
        {
            name: "leftovers of a failed restore with mode 000 (.dcdr-incoming, .dcdr-previous)",
            run: async () => {
                for (const left of [".dcdr-incoming", ".dcdr-previous"]) {
                    const d = path.join(dr.contentDir, left, "images", "deep");
                    fs.mkdirSync(d, { recursive: true });
                    fs.writeFileSync(path.join(d, "x"), "x");
                    // A restore's leftovers are the restore's (the pods' uid's) own.
                    if (drillIsRoot()) execFileSync("chown", ["-R", `${POD_UID}:${POD_GID}`, path.join(dr.contentDir, left)]);
                    fs.chmodSync(path.join(dr.contentDir, left, "images"), 0);
                    fs.chmodSync(path.join(dr.contentDir, left), 0);
                }
                const { result } = await restoreArchive("leftovers", goodArchive());
                const problems = result.ok ? [] : [`the restore failed: ${result.error}`];
                const cleaned = result.steps.some((s) => /removed the leftovers? of an earlier restore/.test(s.output));
                if (!cleaned) problems.push("the restore did not say it cleaned the leftovers");
                problems.push(...contained());
                drWatch.rebaseline();
                return { did: `${result.ok ? "restored" : "failed"}${cleaned ? "; leftovers cleaned and named" : ""}`, problems };
            },
        },
        {
            name: "a live folder the restore cannot move (owned by another uid): fails loudly, rolled back",
            run: async () => {
                if (!drillIsRoot()) return { did: "skipped: needs a root drill to make a folder of another uid", problems: [] };
                const locked = path.join(dr.contentDir, "themes");
                fs.chownSync(locked, 0, 0);
                drWatch.rebaseline();
                try {
                    const { result } = await restoreArchive("unmovable", goodArchive());
                    // The database rollback leaves the set's tables in ghost__staging and the earlier ghost__previous
                    // in ghost__discarded for the next restore (docs/datapath.md, finding 11); 'ghost' must be as it was.
                    const aside = drDb
                        .query("SHOW DATABASES")
                        .split("\n")
                        .filter((d) => !drWatch.baseline("databases").split("\n").includes(d));
                    const problems = [
                        ...refused(result, /swapping the content directory failed/),
                        ...drUnchanged().filter((p) => !p.startsWith("DR databases changed")),
                        ...aside
                            .filter((d) => !["ghost__staging", "ghost__discarded"].includes(d))
                            .map((d) => `new database ${d}`),
                        ...contained(),
                    ];
                    if (result.steps.some((s) => /restore of \S+ complete/.test(s.output))) problems.push("it logged complete");
                    return {
                        did: `${describe(result)}; 'ghost' and the content as they were; set aside: ${aside.join(", ") || "nothing"}`,
                        problems,
                    };
                } finally {
                    execFileSync("chown", ["-R", `${POD_UID}:${POD_GID}`, locked]);
                    drWatch.rebaseline();
                }
            },
        },
        // ---- issue 13: data/ holds the redirects, and maybe Ghost's SQLite database ----
        {
            name: "data/ghost.db (where Ghost keeps a SQLite database) in a volume set",
            run: () =>
                refuse(
                    "data-ghost-db",
                    /member 'data\/ghost\.db' is in data\/, where a content archive may hold only the files redirects\.json and redirects\.yaml/,
                    [
                        { name: "images/", type: "dir" },
                        { name: "data/", type: "dir" },
                        { name: "data/ghost.db", type: "file", data: "SQLite format 3\u0000" },
                    ],
                ),
        },
        {
            name: "data/redirects.json as a symbolic link -> /etc/passwd",
            run: () =>
                refuse("data-symlink", /member 'data\/redirects\.json' is a symbolic link/, [
                    { name: "data/", type: "dir" },
                    { name: "data/redirects.json", type: "symlink", link: "/etc/passwd" },
                ]),
        },
        {
            name: "data/redirects.json as a hard link to /etc/passwd",
            run: () =>
                refuse("data-hardlink", /member 'data\/redirects\.json' is a hard link/, [
                    { name: "data/", type: "dir" },
                    { name: "data/redirects.json", type: "hardlink", link: "/etc/passwd" },
                ]),
        },
        {
            name: "data/redirects.json/ as a directory (with a file in it)",
            run: () =>
                refuse(
                    "data-dir",
                    /member 'data\/redirects\.json\/' is a directory where the file data\/redirects\.json belongs/,
                    [
                        { name: "data/", type: "dir" },
                        { name: "data/redirects.json/", type: "dir" },
                        { name: "data/redirects.json/x", type: "file", data: "x" },
                    ],
                ),
        },
        {
            name: "data/x/../../../escape-hostile (out of data/ and the content directory)",
            run: () =>
                refuse("data-dotdot", /member 'data\/x\/\.\.\/\.\.\/\.\.\/escape-hostile' has a '\.\.' component/, [
                    { name: "data/", type: "dir" },
                    { name: "data/x/../../../escape-hostile", type: "file", data: "escaped" },
                ]),
        },
        // ---- issue 13: a set whose uploads are in the media bucket carries themes and settings only ----
        {
            name: "s3 set (manifest media.storage s3) whose archive smuggles images/evil.png, on an s3 site",
            run: () =>
                refuse(
                    "s3-smuggle-images",
                    /member 'images\/evil\.png' is outside themes, settings \(the folders this content archive may hold\)/,
                    [
                        { name: "themes/", type: "dir" },
                        { name: "themes/casper/", type: "dir" },
                        { name: "themes/casper/index.hbs", type: "file", data: "{{body}}\n" },
                        // No images/ directory member: the file alone, so the refusal names it.
                        { name: "images/evil.png", type: "file", data: "<svg onload=alert(1)>" },
                    ],
                    { media: S3_BLOCK, env: S3_SITE_RESTORE },
                ),
        },
        {
            name: "s3 set whose archive smuggles data/redirects.json, on an s3 site",
            run: () =>
                refuse(
                    "s3-smuggle-redirects",
                    /member 'data\/redirects\.json' is outside themes, settings/,
                    [
                        { name: "settings/", type: "dir" },
                        {
                            name: "data/redirects.json",
                            type: "file",
                            data: '[{"from":"^/(.*)$","to":"https://evil.example/$1"}]',
                        },
                    ],
                    { media: S3_BLOCK, env: S3_SITE_RESTORE },
                ),
        },
        // ---- issue 13: the genuine paths ----
        {
            name: "volume set with data/redirects.json: byte-identical on DR, a stale live redirects.yaml removed, data/keep.txt untouched, DC's data/ghost.db not carried",
            run: async () => {
                const redirects = JSON.stringify([
                    { from: `^/${crypto.randomBytes(6).toString("hex")}/$`, to: "/new/", permanent: true },
                ]);
                const source = dcVariant("redirects", (dir) => {
                    write(dir, "data/redirects.json", redirects);
                    write(dir, "data/ghost.db", crypto.randomBytes(4096));
                });
                await mustPass(
                    ground.run("backup", pod(source, "b-redirects"), { env: { BACKUP_ID: REDIRECTS } }),
                    "backup with redirects",
                );
                const members = archiveMembers(setArchive(REDIRECTS));
                const problems: string[] = [];
                const data = members.filter((m) => m.startsWith("data/"));
                if (data.join(",") !== "data/redirects.json")
                    problems.push(`the archive's data/ members are [${data.join(", ")}], not [data/redirects.json]`);
                // DR's live data/: a file Ghost keeps there, and a redirects.yaml the set does not have. Ghost's FileStore
                // reads redirects.yaml before redirects.json, so a stale one left in place would hide the restored json.
                const keep = crypto.randomBytes(1024);
                liveData({ "keep.txt": keep, "redirects.yaml": "301:\n  /stale/: /gone/\n" });
                const keepIno = fs.statSync(path.join(drData, "keep.txt")).ino;
                const result = await ground.run("restore", pod(dr, "redirects"), {
                    env: { RESTORE_BACKUP_ID: REDIRECTS, RESTORE_FORCE: "true" },
                });
                if (!result.ok) problems.push(`the restore failed: ${result.error}`);
                const restored = path.join(drData, "redirects.json");
                if (!fs.existsSync(restored) || sha(restored) !== sha(path.join(source.contentDir, "data", "redirects.json")))
                    problems.push("DR's data/redirects.json is not byte-identical to DC's");
                const kept = path.join(drData, "keep.txt");
                if (!fs.existsSync(kept) || !fs.readFileSync(kept).equals(keep) || fs.statSync(kept).ino !== keepIno)
                    problems.push("DR's data/keep.txt was changed or moved");
                if (fs.existsSync(path.join(drData, "redirects.yaml")))
                    problems.push("the stale data/redirects.yaml is still there");
                if (fs.existsSync(path.join(drData, "ghost.db"))) problems.push("DC's data/ghost.db reached DR");
                problems.push(...contained());
                drWatch.rebaseline();
                return {
                    did: `archive data/ members: ${data.join(", ") || "none"}; ${result.ok ? "restored" : "failed"}; data/ now: ${fs.readdirSync(drData).sort().join(", ")}`,
                    problems,
                };
            },
        },
        {
            name: "a live data/redirects.yaml the restore cannot move (another uid's): fails loudly, redirects and database rolled back",
            run: async () => {
                if (!drillIsRoot()) return { did: "skipped: needs a root drill to make a folder of another uid", problems: [] };
                liveData({ "redirects.json": '[{"from":"^/live/$","to":"/kept/","permanent":true}]' });
                const locked = path.join(drData, "redirects.yaml");
                fs.mkdirSync(path.join(locked, "x"), { recursive: true });
                drWatch.rebaseline();
                try {
                    const result = await ground.run("restore", pod(dr, "redirects-unmovable"), {
                        env: { RESTORE_BACKUP_ID: REDIRECTS, RESTORE_FORCE: "true" },
                    });
                    const aside = drDb
                        .query("SHOW DATABASES")
                        .split("\n")
                        .filter((d) => !drWatch.baseline("databases").split("\n").includes(d));
                    const problems = [
                        ...refused(result, /swapping the content directory failed/),
                        ...drUnchanged().filter((p) => !p.startsWith("DR databases changed")),
                        ...aside
                            .filter((d) => !["ghost__staging", "ghost__discarded"].includes(d))
                            .map((d) => `new database ${d}`),
                        ...contained(),
                    ];
                    if (!/cannot move \S+\/data\/redirects\.yaml aside/.test(outputOf(result)))
                        problems.push("the log does not name data/redirects.yaml as the move that failed");
                    return { did: `${describe(result)}; data/redirects.json and 'ghost' as they were`, problems };
                } finally {
                    fs.rmSync(locked, { recursive: true, force: true });
                    drWatch.rebaseline();
                }
            },
        },
        {
            name: "volume set restored on an s3 site: the set's uploads land on the content volume (media-migrate copies them)",
            run: async () => {
                // An s3 site's volume may hold no uploads at all: the set's must appear, byte-identical to DC's.
                for (const f of UPLOAD_FOLDERS) fs.rmSync(path.join(dr.contentDir, f), { recursive: true, force: true });
                const result = await ground.run("restore", pod(dr, "volume-on-s3"), {
                    env: { RESTORE_BACKUP_ID: GOOD, RESTORE_FORCE: "true", ...S3_SITE_RESTORE, ...legacy },
                });
                const problems = result.ok ? [] : [`the restore failed: ${result.error}`];
                const a = fingerprint(dc.contentDir, UPLOAD_FOLDERS, false);
                const b = fingerprint(dr.contentDir, UPLOAD_FOLDERS, false);
                if (a !== b) problems.push(`DR's uploads differ from DC's: ${firstDiff(a, b)}`);
                if (!/uploads: the set carries them .*media-migrate/.test(outputOf(result)))
                    problems.push("the log does not say the uploads went onto the volume for media-migrate");
                problems.push(...contained());
                drWatch.rebaseline();
                return { did: `${result.ok ? "restored" : "failed"}; ${a.split("\n").length} upload entries compared`, problems };
            },
        },
        {
            name: "backup with MEDIA_STORAGE=s3: archive holds themes and settings only, manifest names the media bucket; volume mode says volume",
            run: async () => {
                // Another site's content: new themes and routes (which must reach DR) and a new image (which must not).
                s3Source = dcVariant("s3", (dir) => {
                    write(dir, "settings/routes.yaml", `# s3 site ${crypto.randomBytes(4).toString("hex")}\nroutes:\n`);
                    write(dir, "themes/casper/index.hbs", "{{!-- s3 site --}}\n{{body}}\n");
                    write(dir, "images/2026/12/only-in-the-bucket.png", crypto.randomBytes(4096));
                    write(dir, "data/redirects.json", "[]");
                });
                await mustPass(
                    ground.run("backup", pod(s3Source, "b-s3"), { env: { BACKUP_ID: S3_SET, ...s3Backup() } }),
                    "s3-mode backup",
                );
                const problems: string[] = [];
                const top = topLevel(archiveMembers(setArchive(S3_SET)));
                if (top.join(",") !== [...SITE_FOLDERS].sort().join(","))
                    problems.push(`the s3 set's archive holds [${top.join(", ")}], not [${SITE_FOLDERS.join(", ")}]`);
                const s3Media = manifestMedia(moto.getText(BUCKET, `${PREFIX}${S3_SET}/manifest.json`));
                if (JSON.stringify(s3Media) !== JSON.stringify({ storage: "s3", bucket: DRILL_MEDIA_BUCKET }))
                    problems.push(`the s3 set's manifest media is ${JSON.stringify(s3Media)}`);
                const volumeMedia = manifestMedia(goodManifest);
                if (JSON.stringify(volumeMedia) !== JSON.stringify({ storage: "volume" }))
                    problems.push(`the volume set's manifest media is ${JSON.stringify(volumeMedia)}`);
                const volumeTop = topLevel(archiveMembers(goodArchive()));
                if (!UPLOAD_FOLDERS.every((f) => volumeTop.includes(f)))
                    problems.push(`the volume set's archive holds only [${volumeTop.join(", ")}]`);
                return {
                    did: `s3 set: archive [${top.join(", ")}], media ${JSON.stringify(s3Media)}; volume set: archive [${volumeTop.join(", ")}], media ${JSON.stringify(volumeMedia)}`,
                    problems,
                };
            },
        },
        {
            name: "s3 set restored on an s3 site: themes and settings restored, the live images/ files/ media/ data/ untouched (inode, mode, sha256)",
            run: async () => {
                if (!s3Source) throw new Error("the s3-mode backup case did not run");
                liveData({ "redirects.json": '[{"from":"^/live/$","to":"/kept/","permanent":true}]' });
                const kept = [...UPLOAD_FOLDERS, "data"];
                const before = treeState(dr.contentDir, kept);
                const result = await ground.run("restore", pod(dr, "s3-on-s3"), {
                    env: { RESTORE_BACKUP_ID: S3_SET, RESTORE_FORCE: "true", ...S3_SITE_RESTORE },
                });
                const problems = result.ok ? [] : [`the restore failed: ${result.error}`];
                if (fileCount(before) < 3)
                    problems.push(`DR's live uploads hold only ${fileCount(before)} files: the check proves nothing`);
                const after = treeState(dr.contentDir, kept);
                if (after !== before) problems.push(`DR's live uploads changed: ${firstDiff(before, after)}`);
                const a = fingerprint(s3Source.contentDir, SITE_FOLDERS, false);
                const b = fingerprint(dr.contentDir, SITE_FOLDERS, false);
                if (a !== b) problems.push(`DR's themes and settings differ from the s3 site's: ${firstDiff(a, b)}`);
                if (fs.existsSync(path.join(dr.contentDir, "images", "2026", "12", "only-in-the-bucket.png")))
                    problems.push("an upload of the s3 site reached DR's volume");
                const said = new RegExp(
                    `uploads: in media bucket ${DRILL_MEDIA_BUCKET} \\(not in the set\\); themes settings restored`,
                );
                if (!said.test(outputOf(result))) problems.push("the log does not say the uploads are in the media bucket");
                problems.push(...contained());
                drWatch.rebaseline();
                return {
                    did: `${result.ok ? "restored" : "failed"}; ${fileCount(before)} live files under ${kept.join(", ")} ${after === before ? "identical" : "CHANGED"} before and after`,
                    problems,
                };
            },
        },
        {
            name: "genuine set after the hostile ones: restores, Ghost's files byte-identical to DC",
            run: async () => {
                const result = await ground.run("restore", pod(dr, "genuine"), {
                    env: { RESTORE_BACKUP_ID: GOOD, RESTORE_FORCE: "true", ...legacy },
                });
                const problems = result.ok ? [] : [`the restore failed: ${result.error}`];
                const a = fingerprint(dc.contentDir, FOLDERS, false);
                const b = fingerprint(dr.contentDir, FOLDERS, false);
                if (a !== b) problems.push(`DR's content differs from DC's: ${firstDiff(a, b)}`);
                if (
                    genuine("settings/routes.yaml") !==
                    fs.readFileSync(path.join(dr.contentDir, "settings", "routes.yaml"), "utf8")
                )
                    problems.push("settings/routes.yaml differs");
                if (diffChecksums(dcDb.checksums(DATABASE), drDb.checksums(DATABASE)).length > 0)
                    problems.push("DR's tables differ from DC's");
                problems.push(...contained());
                return { did: `${result.ok ? "restored" : "failed"}; ${a.split("\n").length} files compared`, problems };
            },
        },
    ];

    // HOSTILE_ONLY=<regex> runs the cases whose name matches (while working on one).
    const summary = new Cases("hostile-content", process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : undefined);
    for (const c of cases) await summary.run(c.name, c.run);
    return summary.print();
}

/** Runs content-extract.sh as this (root) process, bypassing runScript's drop to the pods' uid. */
async function runAsRoot(args: string[]): Promise<{ code: number; output: string }> {
    const child = spawn("bash", [path.join(SCRIPTS_DIR, "content-extract.sh"), ...args], {
        env: { PATH: DRILL_PATH },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
    return { code, output };
}

function lastError(output: string): string {
    const errors = output.split("\n").filter((l) => l.includes(": ERROR: "));
    return (errors[errors.length - 1] ?? output.trim()).replace(/^\S+ /, "");
}

function writeContent(dir: string): void {
    const files: Record<string, Buffer | string> = {
        "images/2026/11/photo.png": crypto.randomBytes(200 * 1024),
        "images/2026/11/photo_o.png": crypto.randomBytes(50 * 1024),
        "files/2026/11/guide.pdf": crypto.randomBytes(30 * 1024),
        "media/2026/11/clip.mp4": crypto.randomBytes(100 * 1024),
        "themes/casper/index.hbs": "{{!-- casper --}}\n{{body}}\n",
        "themes/casper/package.json": '{"name": "casper", "version": "5.0.0"}\n',
        "settings/routes.yaml": "routes:\ncollections:\n  /: {permalink: '/{slug}/', template: index}\n",
        "settings/redirects.yaml": "301:\n  /old/: /new/\n",
    };
    for (const [rel, body] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), body);
    }
}

function lexists(p: string): boolean {
    try {
        fs.lstatSync(p);
        return true;
    } catch {
        return false;
    }
}

/** Every entry under dir (not following links): type, mode and, for files, sha256. Only `folders` when given. */
function fingerprint(dir: string, folders?: string[], withModes = true): string {
    const out: string[] = [];
    const walk = (d: string) => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(d, { withFileTypes: true });
        } catch (err: unknown) {
            out.push(`${path.relative(dir, d)} unreadable: ${err instanceof Error ? err.message : String(err)}`);
            return;
        }
        for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
            const p = path.join(d, e.name);
            const rel = path.relative(dir, p);
            if (folders && d === dir && !folders.includes(e.name)) continue;
            const st = fs.lstatSync(p);
            const mode = withModes ? ` ${(st.mode & 0o7777).toString(8)}` : "";
            if (st.isDirectory()) {
                out.push(`${rel}/${mode}`);
                walk(p);
            } else if (st.isFile()) {
                out.push(`${rel}${mode} ${crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex")}`);
            } else {
                out.push(`${rel}${mode} ${st.isSymbolicLink() ? `symlink -> ${fs.readlinkSync(p)}` : "special file"}`);
            }
        }
    };
    if (fs.existsSync(dir)) walk(dir);
    return out.join("\n");
}

/** Links, devices, fifos, sockets, setuid/setgid files and unreadable directories under dir. */
function unsafeEntries(dir: string): string[] {
    const bad: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            const st = fs.lstatSync(p);
            const rel = path.relative(dir, p);
            if (st.isSymbolicLink()) bad.push(`symlink ${rel} -> ${fs.readlinkSync(p)}`);
            else if (!st.isFile() && !st.isDirectory()) bad.push(`special file ${rel}`);
            else if (st.mode & 0o6000) bad.push(`setuid/setgid ${rel} (mode ${(st.mode & 0o7777).toString(8)})`);
            else if (st.isFile() && st.nlink > 1) bad.push(`hard-linked ${rel} (${st.nlink} links)`);
            if (st.isDirectory()) {
                if ((st.mode & 0o700) !== 0o700) bad.push(`directory ${rel} has mode ${(st.mode & 0o7777).toString(8)}`);
                walk(p);
            }
        }
    };
    if (fs.existsSync(dir)) walk(dir);
    return bad;
}

/** Bytes allocated on disk under dir (st_blocks), which a sparse file cannot hide. */
function diskBytes(dir: string): number {
    let total = 0;
    const walk = (d: string) => {
        let entries: fs.Dirent[] = [];
        try {
            entries = fs.readdirSync(d, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            const p = path.join(d, e.name);
            try {
                const st = fs.lstatSync(p);
                total += st.blocks * 512;
                if (st.isDirectory()) walk(p);
            } catch {
                // Removed while walking.
            }
        }
    };
    walk(dir);
    return total;
}

function firstDiff(a: string, b: string): string {
    const la = a.split("\n");
    const lb = b.split("\n");
    for (let i = 0; i < Math.max(la.length, lb.length); i++) {
        if (la[i] !== lb[i]) return `'${la[i] ?? "(nothing)"}' became '${lb[i] ?? "(nothing)"}'`;
    }
    return "same entries";
}

if (require.main === module) runMain(main);
