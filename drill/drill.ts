// npm run drill: the DC -> DR data path, end to end, on 127.0.0.1.
//
// Two MariaDB servers (DC primary, DR standby), moto as S3 and Route 53, and a real Ghost on the primary. Both sites
// keep Ghost's uploads in their region's media bucket (config mediaStorage s3, the default; issue 13): Ghost's pod
// runs its init chain (seed, media step) before Ghost starts on S3. Creates content through Ghost's Admin API, runs
// the backup Job's chain (components/backup/steps.ts: dump, physical copy, export, fence, upload) against DC, copies
// the DC media bucket into the DR one (moto does not replicate: the copy stands in for S3 cross-region replication),
// runs the restore Job's chain into DR, boots a second Ghost on the DR data and the DR bucket, and proves DR == DC:
// CHECKSUM TABLE EXTENDED of every table, every post served by DR Ghost, the image's CDN URL in the post and its
// object byte-identical in the DR bucket, the set's manifest naming the DC bucket, and equal Admin API exports.
import * as fs from "fs";
import * as path from "path";
import { mediaBucketName } from "../components/media";
import { openDrill } from "./lib/cases";
import { backupIdOf, DATABASE, drillSteps, giveToPod, logSteps, Site } from "./lib/datapath";
import { DRILL_CDN_URL, fetchGhost, Ghost, GhostExport, makePng, OWNER } from "./lib/ghost";
import { diffChecksums } from "./lib/mariadb";
import { GHOST_VERSION, log, runMain } from "./lib/proc";

/** Posts that exercise utf8mb4 end to end: accents, CJK, RTL, emoji (4-byte), a long body. */
const POSTS = [
    { title: "Crème brûlée at the café: naïve façade", html: "<p>Ünïcödé everywhere: Ærøskøbing, Łódź, São Paulo.</p>" },
    { title: "Emoji round trip 🚀🔥🐙 works", html: "<p>4-byte characters: 🚀 🔥 🐙 👩🏽‍💻 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢.</p>" },
    { title: "多言語 テスト 한국어 עברית العربية", html: "<p>日本語の段落。한국어 문단. שלום עולם. مرحبا بالعالم.</p>" },
    {
        title: "A long post for the dump",
        html: Array.from(
            { length: 200 },
            (_, i) => `<p>Paragraph ${i}: the quick brown fox — “quotes” & ‘apostrophes’ 🦊.</p>`,
        ).join(""),
    },
];

/** Two region names, only to name the media buckets (mediaBucketName): the drill's S3 has no regions. */
const MEDIA_REGIONS = { dc: "eu-west-1", dr: "eu-central-1" } as const;

async function main(): Promise<boolean> {
    const ground = await openDrill("drill", { needGhost: true });
    const { root, dcDb, drDb, moto, s3 } = ground;
    const BUCKET = s3.bucket;
    const media = { dc: mediaBucketName(BUCKET, MEDIA_REGIONS.dc), dr: mediaBucketName(BUCKET, MEDIA_REGIONS.dr) };
    moto.createBucket(media.dc);
    moto.createBucket(media.dr);
    // Both sites with mediaStorage s3: the backup and restore steps get MEDIA_STORAGE (and the dump MEDIA_BUCKET).
    const dc: Site = { ...ground.dc, media: { storage: "s3", bucket: media.dc } };
    const dr: Site = { ...ground.dr, media: { storage: "s3", bucket: media.dr } };
    log(`media buckets ${media.dc} (dc) and ${media.dr} (dr); Ghost's cdnUrl ${DRILL_CDN_URL}`);
    dcDb.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);

    log(`starting Ghost ${GHOST_VERSION} on DC with uploads in S3 (first boot migrates an empty database)`);
    const dcGhost = await Ghost.start("dc", dcDb, DATABASE, dc.contentDir, root, {
        s3: { bucket: media.dc, endpoint: moto.url },
    });

    // 1. Content through the Admin API.
    await dcGhost.setupOwner();
    const png = makePng();
    const uploadStarted = Date.now();
    const imageUrl = await dcGhost.uploadImage("drill-ünïcode.png", png);
    const uploadSeconds = (Date.now() - uploadStarted) / 1000;
    // Ghost's S3Storage.save(): <cdnUrl>/<key>, the key being the URL's path.
    const imageKey = decodeURIComponent(new URL(imageUrl).pathname.slice(1));
    const posts: { title: string; url: string }[] = [];
    for (const [i, p] of POSTS.entries()) {
        const res = await dcGhost.api<{ posts: { title: string; url: string }[] }>("POST", "posts/?source=html", {
            posts: [
                {
                    title: p.title,
                    html: p.html,
                    status: "published",
                    tags: [{ name: "Drill ✅" }, { name: `Ünïcode ${i % 2}` }],
                    feature_image: i === 0 ? imageUrl : null,
                },
            ],
        });
        posts.push(res.posts[0]);
    }
    await dcGhost.api("POST", "members/", {
        members: [{ email: "zoe@example.com", name: "Zoë 🐙 Reader", note: "Ünïcode member" }],
    });
    log(`created ${posts.length} posts, 2 tags, 1 member, 1 image (${imageUrl})`);

    // 2. The backup Job's chain, while DC Ghost is live, with the physical copy (which the cluster does not take)
    // and the optional export. The export step logs in to Ghost, which writes sessions/brute rows, so DC is
    // checksummed right after the dump step: that is the state the dump holds (DC is idle otherwise, which
    // before == after proves).
    const before = dcDb.checksums(DATABASE);
    const backupPod = {
        datadir: dcDb.dataDir,
        ghostExport: { url: dcGhost.url, user: OWNER.email },
        secrets: { ghostExport: writeSecret(path.join(root, "secrets", "ghost-export"), OWNER.password) },
    };
    const chain = drillSteps("backup", backupPod).map((s) => s.script);
    let after = before;
    let dcRows = new Map<string, number>();
    const backup = await ground.run("backup", dc, backupPod, (script) => {
        if (script === chain[0]) {
            after = dcDb.checksums(DATABASE);
            dcRows = dcDb.rowCounts(DATABASE);
        }
    });
    logSteps(backup);
    if (!backup.ok) {
        throw new Error(`backup failed: ${backup.error}`);
    }
    const moved = diffChecksums(before, after);
    const backupId = backupIdOf(dc);
    const setKeys = moto.keys(BUCKET, `${s3.prefix}${backupId}/`);
    const manifest = JSON.parse(moto.getText(BUCKET, `${s3.prefix}${backupId}/manifest.json`)) as {
        artifacts: { name: string; bytes: number }[];
        database: { tableCount: number; ghostMigrationVersion: string };
        media?: { storage?: string; bucket?: string };
    };
    log(
        `backup ${backupId} in ${backup.seconds.toFixed(1)}s: ${setKeys.map((k) => path.basename(k)).join(", ")}; migration ${manifest.database.ghostMigrationVersion}`,
    );

    // 3. Restore into DR, in pod order: first from the logical dump, then again (forced) from the
    // physical copy, the default when DR's datadir is mounted; both must give DC's tables.
    const problems: string[] = [];
    const dcSums = after;
    if (moved.length > 0) {
        problems.push(`DC changed while the backup ran, so checksums cannot be compared: ${moved.join("; ")}`);
    }
    const wantMedia = { storage: "s3", bucket: media.dc };
    if (JSON.stringify(manifest.media) !== JSON.stringify(wantMedia)) {
        problems.push(`the set's manifest says media ${JSON.stringify(manifest.media)}, not ${JSON.stringify(wantMedia)}`);
    }
    if (!imageUrl.startsWith(`${DRILL_CDN_URL}/content/images/`)) {
        problems.push(`DC Ghost gave the image the URL ${imageUrl}, not one on ${DRILL_CDN_URL}/content/images/`);
    }

    // S3 cross-region replication, stood in for: moto has none, so the DC bucket is copied into the DR bucket.
    const replicationSeconds = moto.replicate(media.dc, media.dr);
    const replicated = moto.objects(media.dr).size;
    log(
        `moto does not replicate: aws s3 sync ${media.dc} -> ${media.dr} stands in for S3 cross-region replication (${replicated} objects in ${replicationSeconds.toFixed(1)}s)`,
    );
    fs.mkdirSync(dr.contentDir, { recursive: true });
    const logical = await ground.run("restore", dr, { env: { RESTORE_MODE: "logical" } });
    logSteps(logical);
    if (!logical.ok) {
        throw new Error(`logical restore failed: ${logical.error}`);
    }
    for (const d of diffChecksums(dcSums, drDb.checksums(DATABASE))) {
        problems.push(`CHECKSUM TABLE differs after the logical restore: ${d}`);
    }
    const restore = await ground.run("restore", dr, { datadir: drDb.dataDir, env: { RESTORE_FORCE: "true" } });
    logSteps(restore);
    if (!restore.ok || !restore.steps.some((s) => s.output.includes("from the physical backup"))) {
        throw new Error(`physical restore failed: ${restore.error || "it did not use the physical backup"}`);
    }

    // 5a. Tables, before DR Ghost boots and writes its own sessions.
    const drSums = drDb.checksums(DATABASE);
    for (const d of diffChecksums(dcSums, drSums)) {
        problems.push(`CHECKSUM TABLE differs after the physical restore: ${d}`);
    }
    const drRows = drDb.rowCounts(DATABASE);
    let rowsLost = 0;
    for (const [t, n] of dcRows) {
        rowsLost += Math.max(0, n - (drRows.get(t) ?? 0));
    }

    // A second run of the same set is a no-op (warm-standby cron), and is still intact.
    const again = await ground.run("restore", dr, { datadir: drDb.dataDir });
    if (!again.ok || !again.steps.some((s) => s.output.includes("already restored"))) {
        problems.push(`restoring the same set again did not skip cleanly: ${again.error || "no skip message"}`);
    }
    if (diffChecksums(drSums, drDb.checksums(DATABASE)).length > 0) {
        problems.push("restoring the same set again changed DR");
    }

    // 4. DR Ghost on the restored database and content.
    log("starting Ghost on DR (restored database and content, uploads in the DR bucket)");
    const drGhost = await Ghost.start("dr", drDb, DATABASE, dr.contentDir, root, {
        s3: { bucket: media.dr, endpoint: moto.url },
    });
    await drGhost.login();

    // 5b. Every post served by DR Ghost; the first shows the image on the CDN, whose key the DR bucket holds.
    for (const [i, post] of posts.entries()) {
        const url = swapOrigin(post.url, drGhost.url);
        const res = await fetchGhost(url);
        const html = await res.text();
        if (!res.ok || !html.includes(post.title)) {
            problems.push(`DR serves ${url} with HTTP ${res.status}${res.ok ? " but without its title" : ""}`);
        }
        if (i === 0 && res.ok && !html.includes(imageUrl)) {
            problems.push(`DR serves ${url} without its image's CDN URL ${imageUrl}`);
        }
    }
    const drObject = moto.objects(media.dr, imageKey).has(imageKey) ? moto.getBytes(media.dr, imageKey) : undefined;
    if (!drObject?.equals(png)) {
        problems.push(
            `s3://${media.dr}/${imageKey} ${drObject ? "differs from the uploaded PNG" : "is missing"}: DR would serve no image`,
        );
    }
    // The site's own /content/images/... path (posts written before the switch to S3 hold it) leads to the same key.
    const imagePath = new URL(imageUrl).pathname;
    const served = await fetchGhost(`${drGhost.url}${imagePath}`, { redirect: "manual" });
    if (served.status !== 301 || served.headers.get("location") !== imageUrl) {
        problems.push(
            `DR answers ${imagePath} with HTTP ${served.status} to ${served.headers.get("location") ?? "nowhere"}, not 301 to ${imageUrl}`,
        );
    }

    // 5c. Admin API exports: the one taken into the set by the backup vs DR's now.
    const dcExport = JSON.parse(moto.getText(BUCKET, `${s3.prefix}${backupId}/ghost-export.json`)) as GhostExport;
    const drExport = await drGhost.export();
    const exportDiffs = compareExports(dcExport, drExport);
    problems.push(...exportDiffs.map((d) => `Admin API export differs: ${d}`));

    const totalRows = [...dcRows.values()].reduce((a, b) => a + b, 0);
    const bytes = manifest.artifacts.reduce((a, b) => a + b.bytes, 0);
    const summary = [
        "",
        "drill summary",
        `  backup set      s3://${BUCKET}/${s3.prefix}${backupId}/ (${manifest.artifacts.map((a) => `${a.name} ${a.bytes} B`).join(", ")})`,
        `  posts           ${posts.length} created, ${posts.length} served by DR`,
        `  tables          ${dcSums.size} on DC, ${drSums.size} on DR, ${diffChecksums(dcSums, drSums).length} with different CHECKSUM TABLE EXTENDED (after both the logical and the physical restore)`,
        `  rows            ${totalRows} on DC, rows lost ${rowsLost}`,
        `  bytes           ${bytes} in the set`,
        `  backup          ${backup.seconds.toFixed(1)}s (${backup.steps.map((s) => s.seconds.toFixed(1)).join(" + ")}; ${chain.map((s) => s.replace(/^backup-|\.sh$/g, "")).join(" + ")})`,
        `  fence           ${fenceLine(backup.steps.find((s) => s.output.includes("fence:"))?.output)}`,
        `  restore         logical ${logical.seconds.toFixed(1)}s (${logical.steps.map((s) => s.seconds.toFixed(1)).join(" + ")}), physical ${restore.seconds.toFixed(1)}s (${restore.steps.map((s) => s.seconds.toFixed(1)).join(" + ")}); fetch + apply`,
        `  export compare  ignoring ${EXPORT_VOLATILE.join(", ")}`,
        `  media           s3: s3://${media.dc} (dc), s3://${media.dr} (dr), served from ${DRILL_CDN_URL}; the set's manifest: ${JSON.stringify(manifest.media ?? null)}`,
        `  image           upload ${uploadSeconds.toFixed(1)}s (Admin API -> S3Storage); object ${png.length} B, ${drObject?.equals(png) ? "byte-identical" : "NOT identical"} in the DR bucket at ${imageKey}`,
        `  replication     stand-in (moto does not replicate): aws s3 sync dc -> dr, ${replicated} objects in ${replicationSeconds.toFixed(1)}s`,
        `  result          ${problems.length === 0 ? "PASS: DR equals DC" : `FAIL (${problems.length} problems)`}`,
        ...problems.map((p) => `    - ${p}`),
        "",
    ];
    process.stdout.write(summary.join("\n"));
    return problems.length === 0;
}

/** A Secret as the pod mounts it: a directory of the pod's uid holding `password`. Returns the directory. */
function writeSecret(dir: string, value: string): string {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, "password"), `${value}\n`, { mode: 0o600 });
    giveToPod(dir, path.join(dir, "password"));
    return dir;
}

/** What the fence step said, for the summary. */
function fenceLine(output?: string): string {
    const said = output?.split("\n").find((l) => l.includes("fence:"));
    return said ? said.replace(/^\S+ backup: fence: /, "") : "the fence step did not run";
}

function swapOrigin(url: string, origin: string): string {
    const u = new URL(url);
    return `${origin}${u.pathname}${u.search}`;
}

function withoutLoginStamps(data: Record<string, Record<string, unknown>[]>): Record<string, Record<string, unknown>[]> {
    return { ...data, users: (data.users ?? []).map((u) => ({ ...u, last_seen: null, updated_at: null })) };
}

function firstDifference(a: Record<string, unknown>[], b: Record<string, unknown>[]): string {
    if (a.length !== b.length) {
        return `${a.length} rows on DC, ${b.length} on DR`;
    }
    for (let i = 0; i < a.length; i++) {
        for (const key of new Set([...Object.keys(a[i]), ...Object.keys(b[i])])) {
            if (JSON.stringify(a[i][key]) !== JSON.stringify(b[i][key])) {
                return `row ${i} ${key}: ${JSON.stringify(a[i][key])} on DC, ${JSON.stringify(b[i][key])} on DR`;
            }
        }
    }
    return "same rows in another order";
}

/** Fields that legitimately differ between two exports of the same data. */
const EXPORT_VOLATILE = [
    "db[0].meta.exported_on",
    "users[].last_seen and users[].updated_at (a staff login sets both, and each export logs in)",
];

function compareExports(a: GhostExport, b: GhostExport): string[] {
    const diffs: string[] = [];
    const da = withoutLoginStamps(a.db[0].data);
    const dbb = withoutLoginStamps(b.db[0].data);
    for (const table of new Set([...Object.keys(da), ...Object.keys(dbb)])) {
        const ra = JSON.stringify(da[table] ?? null);
        const rb = JSON.stringify(dbb[table] ?? null);
        if (ra !== rb) {
            diffs.push(`${table}: ${firstDifference(da[table] ?? [], dbb[table] ?? [])}`);
        }
    }
    const ma = { ...a.db[0].meta, exported_on: 0 };
    const mb = { ...b.db[0].meta, exported_on: 0 };
    if (JSON.stringify(ma) !== JSON.stringify(mb)) {
        diffs.push(`meta ${JSON.stringify(ma)} vs ${JSON.stringify(mb)}`);
    }
    return diffs;
}

runMain(main);
