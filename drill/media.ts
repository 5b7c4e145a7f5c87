// npm run drill:media: Ghost's uploads in the media bucket (issue 13), on a real Ghost and moto as S3.
//
// - Ghost's own config loader and adapter manager resolve components/ghost/media.ts's production environment to
//   exactly what ghostMediaAdapters() says (and a control proves that check catches a misspelt key).
// - Migration volume -> s3: a Ghost on the volume gets an image, a file and a media file through the Admin API, a post
//   that uses them and custom redirects; files with awkward names are put on the volume. Ghost then starts on S3,
//   its pod's media step (scripts/datapath/media-migrate.sh) copying the volume into the bucket: every file is there
//   byte for byte, the old /content/... URLs answer 301 to the CDN key, the post still shows its uploads, the
//   redirects still redirect; a second start copies nothing (without contacting S3), a file added later is copied
//   at the next start.
// - S3 unreachable while Ghost runs: an upload fails with an HTTP error and leaves nothing behind (no object, no post
//   using it); once S3 is back, uploads work again.
// - What the media step refuses (a symbolic link to /etc/passwd first, with a real Ghost that must not start) leaves
//   the bucket as it was.
// - S3 cut mid-upload: the step fails, marks nothing, and the next run copies only what is missing.
// - Throughput: 500 generated files (~50 MB) copied, then a start with nothing to do.
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { MEDIA_MIGRATE_STEP } from "../components/backup/steps";
import { mediaBucketName, MEDIA_KINDS, MEDIA_SETTINGS_PREFIX, mediaKeyPrefix } from "../components/media";
import { Cases, openDrill } from "./lib/cases";
import { CutProxy } from "./lib/cutproxy";
import { DATABASE, giveToPod, giveTreeToPod, Site } from "./lib/datapath";
import {
    DRILL_CDN_URL,
    drillMedia,
    fetchGhost,
    Ghost,
    GhostInitFailed,
    GhostOptions,
    GhostS3,
    ghostMediaEnvOf,
    makePng,
    mediaConfigDifferences,
} from "./lib/ghost";
import { drillIsRoot, log, runMain, sh } from "./lib/proc";
import { Moto, S3Gate } from "./lib/s3";

/** The media step's script, as the chain names it. */
const MIGRATE = MEDIA_MIGRATE_STEP.script;
const REDIRECT = { from: "^/drill-old-path/$", to: "/drill-new-path/", permanent: true };
/** Ghost's default routes.yaml with a mark of our own, uploaded on the volume and read back on S3. */
const ROUTES = `# drill: custom routes \u2713
routes:

collections:
  /:
    permalink: /{slug}/
    template: index

taxonomies:
  tag: /tag/{slug}/
  author: /author/{slug}/
`;
/** Files put straight onto the volume, with names Ghost would never give but a person copying files might. */
const AWKWARD = ["space name.png", "ünïcødé.png", "quote'\"s.png", "-leading-dash.png"];

async function main(): Promise<boolean> {
    const ground = await openDrill("media", { needGhost: true });
    const { root, dcDb, moto, dc } = ground;
    dcDb.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    const bucket = mediaBucketName(ground.s3.bucket, "eu-west-1");
    moto.createBucket(bucket);
    // Ghost and its media step reach S3 through a gate the unreachable case closes.
    const gate = await S3Gate.start(moto.port);
    const s3: GhostS3 = { bucket, endpoint: gate.url };
    const site: Site = { ...dc, media: { storage: "s3", bucket } };
    const cases = new Cases("drill:media");
    const figures: string[] = [];
    let ghost: Ghost | undefined;
    let ownerReady = false;
    const restart = async (opts: GhostOptions = {}) => {
        await ghost?.stop();
        ghost = undefined;
        ghost = await Ghost.start("dc", dcDb, DATABASE, dc.contentDir, root, opts);
        if (ownerReady) await ghost.login();
        return ghost;
    };

    try {
        await cases.run("Ghost's config loader resolves ghostMediaEnv to ghostMediaAdapters()", () => {
            const diffs = mediaConfigDifferences(drillMedia(s3), dc.contentDir);
            return {
                did: "loadNconf + normalizeAdapterConfig + resolveAdapterOptions (Ghost 6.65.0, NODE_ENV=production, no endpoint) and each adapter's validate()",
                problems: diffs.length ? [`first difference: ${diffs[0]}`, ...diffs.slice(1)] : [],
            };
        });
        await cases.run("control: the same check catches a misspelt key (storage__media__adpter)", () => {
            const env = ghostMediaEnvOf(drillMedia(s3));
            env.storage__media__adpter = env.storage__media__adapter;
            delete env.storage__media__adapter;
            const diffs = mediaConfigDifferences(drillMedia(s3), dc.contentDir, env);
            return {
                did: diffs.length ? `caught: ${diffs[0]}` : "nothing caught",
                problems: diffs.some((d) => d.startsWith("storage:media")) ? [] : ["the check did not see storage:media change"],
            };
        });

        // a. Migration volume -> s3.
        const uploads: Partial<Record<"images" | "media" | "files", { url: string; bytes: Buffer }>> = {};
        let postUrl = "";
        await cases.run("migration volume -> s3: Admin API uploads, redirects, awkward names", async () => {
            const problems: string[] = [];
            log("starting Ghost on the volume (first boot migrates an empty database)");
            const g = await restart();
            await g.setupOwner();
            ownerReady = true;
            const png = makePng(48);
            uploads.images = { url: await g.upload("images", "drill photo.png", png, "image/png"), bytes: png };
            const pdf = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
            uploads.files = { url: await g.upload("files", "drill-notes.pdf", pdf, "application/pdf"), bytes: pdf };
            let mediaNote = "";
            for (const [name, type, bytes] of mediaFixtures()) {
                const res = await g.uploadResponse("media", name, bytes, type);
                const text = await res.text();
                if (res.ok) {
                    uploads.media = { url: (JSON.parse(text) as { media: { url: string }[] }).media[0].url, bytes };
                    mediaNote = `media ${name} (${type}, ${bytes.length} B)`;
                    break;
                }
                mediaNote += `${mediaNote ? "; " : ""}Ghost refused media ${name} (${type}): HTTP ${res.status} ${text.slice(0, 160)}`;
            }
            if (!uploads.media) mediaNote = `Ghost refused every small media fixture: ${mediaNote}`;
            const post = await g.api<{ posts: { url: string }[] }>("POST", "posts/", {
                posts: [
                    {
                        title: "Uploads on the volume, then in S3",
                        status: "published",
                        feature_image: uploads.images.url,
                        lexical: htmlCardLexical(
                            `<p><img src="${uploads.images.url}" alt="photo"></p><p><a href="${uploads.files.url}">notes</a></p>` +
                                (uploads.media ? `<audio src="${uploads.media.url}" controls></audio>` : ""),
                        ),
                    },
                ],
            });
            postUrl = post.posts[0].url;
            await g.uploadRedirects([REDIRECT]);
            problems.push(...(await redirectProblems(g, "on the volume")));
            await g.uploadRoutes(ROUTES);
            const dir = path.join(dc.contentDir, "images", "2026", "11");
            fs.mkdirSync(dir, { recursive: true });
            AWKWARD.forEach((name, i) => fs.writeFileSync(path.join(dir, name), makePng(20 + i)));
            fs.mkdirSync(path.join(dc.contentDir, "files", "2026", "11"), { recursive: true });
            fs.writeFileSync(path.join(dc.contentDir, "files", "2026", "11", "report final (v2) é.pdf"), pdf);
            await g.stop();
            ghost = undefined;

            const volume = volumeFiles(dc.contentDir);
            const bytes = [...volume.values()].reduce((a, b) => a + b.length, 0);
            log(`starting Ghost on S3 (its media step copies ${volume.size} files into ${bucket})`);
            const s = await restart({ s3 });
            const step = s.init.steps.find((r) => r.output.includes("media: "));
            figures.push(
                `  migration       ${volume.size} files, ${bytes} B (uploads, awkward names, routes.yaml, redirects.json) in ${step?.seconds.toFixed(1)}s (the whole media step)`,
            );
            problems.push(...bucketMatches(moto, bucket, volume, path.join(root, "bucket-after-migration")));
            problems.push(...(await oldUrlProblems(s, moto, bucket, uploads, dir)));
            problems.push(...(await postProblems(s, moto, bucket, postUrl, uploads)));
            if (!moto.objects(bucket, `${MEDIA_SETTINGS_PREFIX}/`).has(`${MEDIA_SETTINGS_PREFIX}/redirects.json`)) {
                problems.push(`s3://${bucket}/${MEDIA_SETTINGS_PREFIX}/redirects.json is missing`);
            }
            problems.push(...(await redirectProblems(s, "on S3 (ghost-settings/redirects.json)")));
            if ((await s.routesYaml()) !== ROUTES)
                problems.push("Ghost on S3 does not run on the routes.yaml uploaded on the volume");
            return {
                did: `images, files${uploads.media ? ", media" : ""} uploaded; ${mediaNote}; ${volume.size} files byte-identical at content/<kind>/<path>; old URLs 301 to ${DRILL_CDN_URL}; post (with a resized copy made in S3), redirects, routes.yaml work on S3`,
                problems,
            };
        });

        await cases.run("a second start copies nothing, without contacting S3; a file added later is copied", async () => {
            const problems: string[] = [];
            // The media step's S3 is a closed port: a step that skips never notices; one that lists the bucket fails.
            const again = await restart({ s3, stepEnv: { S3_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}` } });
            const skipped = migrateOutput(again);
            if (!/skipped without contacting S3/.test(skipped)) problems.push(`the second start did not skip: ${skipped}`);
            await again.stop();
            ghost = undefined;
            const added = path.join(dc.contentDir, "images", "2026", "11", "added later.png");
            const png = makePng(33);
            fs.writeFileSync(added, png);
            const later = await restart({ s3 });
            const said = migrateOutput(later);
            if (!/copied 1 files/.test(said)) problems.push(`the start after a new file did not copy exactly it: ${said}`);
            const key = `${mediaKeyPrefix("images")}/2026/11/added later.png`;
            if (!moto.objects(bucket, key).has(key) || !moto.getBytes(bucket, key).equals(png)) {
                problems.push(`s3://${bucket}/${key} is missing or differs`);
            }
            return { did: `second start: "${lastLine(skipped)}"; then: "${lastLine(said)}"`, problems };
        });

        // c. S3 unreachable while Ghost runs on it.
        await cases.run(
            "S3 unreachable while Ghost runs: the upload fails and leaves nothing; then uploads work again",
            async () => {
                const g = ghost ?? (await restart({ s3 }));
                const problems: string[] = [];
                const before = moto.objects(bucket).size;
                gate.close();
                const started = Date.now();
                const res = await g.uploadResponse("images", "unreachable-probe.png", makePng(41), "image/png");
                const body = await res.text();
                const took = (Date.now() - started) / 1000;
                gate.open();
                const message = errorMessage(body);
                if (res.ok) problems.push(`the upload succeeded with S3 unreachable: ${body.slice(0, 200)}`);
                const left = [...moto.objects(bucket).keys()].filter((k) => k.includes("unreachable-probe"));
                if (left.length) problems.push(`the bucket holds ${left.join(", ")}`);
                if (moto.objects(bucket).size !== before) problems.push("the bucket's object count changed");
                const posts = JSON.stringify(
                    await g.api("GET", "posts/?formats=html,lexical&limit=all&filter=status:[draft,published,scheduled]"),
                );
                if (posts.includes("unreachable-probe")) problems.push("a post references the failed upload");
                if (JSON.stringify(await g.export()).includes("unreachable-probe"))
                    problems.push("Ghost's export mentions the failed upload");
                const png = makePng(42);
                const url = await g.upload("images", "reachable-again.png", png, "image/png");
                const key = decodeURIComponent(new URL(url).pathname.slice(1));
                if (!url.startsWith(`${DRILL_CDN_URL}/`) || !moto.getBytes(bucket, key).equals(png)) {
                    problems.push(`the upload after S3 came back gave ${url}, not an object byte-identical in the bucket`);
                }
                return {
                    did: `upload with S3 unreachable: HTTP ${res.status} "${message}" after ${took.toFixed(1)}s; no object, no post, not in the export; afterwards ${url}`,
                    problems,
                };
            },
        );
        await ghost?.stop();
        ghost = undefined;

        // b. What the media step refuses.
        await cases.run(
            "symbolic link to /etc/passwd in content/images: refused, Ghost does not start, nothing uploaded",
            async () => {
                const link = path.join(dc.contentDir, "images", "2026", "11", "passwd.png");
                fs.symlinkSync("/etc/passwd", link);
                const before = moto.objects(bucket);
                try {
                    await restart({ s3 });
                    return {
                        did: "Ghost started",
                        problems: ["Ghost started with a symbolic link to /etc/passwd on its volume"],
                    };
                } catch (err: unknown) {
                    if (!(err instanceof GhostInitFailed)) throw err;
                    const problems = unchanged(before, moto.objects(bucket));
                    if (!/passwd\.png' is a symbolic link/.test(err.init.error))
                        problems.push(`unexpected refusal: ${err.init.error}`);
                    return { did: `refused: "${err.init.error.replace(/^\S+ /, "")}"`, problems };
                } finally {
                    fs.rmSync(link);
                }
            },
        );
        await cases.run("every other entry the step must refuse, one at a time: the bucket unchanged", async () => {
            const problems: string[] = [];
            const did: string[] = [];
            for (const plant of refusals(dc.contentDir)) {
                const before = moto.objects(bucket);
                const undo = await plant.make();
                try {
                    const r = await ground.step(MIGRATE, site);
                    if (r.code === 0) problems.push(`${plant.name}: not refused`);
                    else if (!plant.expect.test(r.error)) problems.push(`${plant.name}: unexpected refusal: ${r.error}`);
                    problems.push(...unchanged(before, moto.objects(bucket)).map((p) => `${plant.name}: ${p}`));
                    did.push(plant.name);
                } finally {
                    await undo();
                }
            }
            return { did: `refused: ${did.join(", ")}`, problems };
        });

        const benchDir = path.join(root, "bench-content");
        const want = generateFiles(benchDir, 500, 100 * 1024);
        giveTreeToPod(benchDir);
        await cases.run(
            "S3 cut mid-upload: the step fails naming the bucket, marks nothing; the next run copies the rest",
            async () => {
                const cutBucket = mediaBucketName(ground.s3.bucket, "ap-south-1");
                moto.createBucket(cutBucket);
                const cutSite: Site = {
                    ...dc,
                    contentDir: benchDir,
                    workDir: path.join(root, "pods", "cut"),
                    media: { storage: "s3", bucket: cutBucket },
                };
                const proxy = await CutProxy.start(moto.port, 20 * 1024 * 1024);
                const problems: string[] = [];
                let cut;
                try {
                    cut = await ground.step(MIGRATE, cutSite, { env: { S3_ENDPOINT_URL: proxy.url } });
                } finally {
                    await proxy.stop();
                }
                const partial = moto.objects(cutBucket).size;
                if (cut.code === 0) problems.push("the step succeeded although S3 went away mid-upload");
                else if (!cut.error.includes(`the upload to s3://${cutBucket} failed`))
                    problems.push(`unexpected error: ${cut.error}`);
                if (fs.existsSync(path.join(benchDir, ".dcdr-media-migrated"))) problems.push("the marker was written");
                if (fs.existsSync(path.join(benchDir, ".dcdr-media-staging")))
                    problems.push("the staging tree was left on the volume");
                const rest = await ground.step(MIGRATE, cutSite);
                const after = moto.objects(cutBucket, "content/").size;
                if (rest.code !== 0 || after !== want.files)
                    problems.push(`the next run: ${rest.error || `${after} objects, not ${want.files}`}`);
                if (!new RegExp(`copied ${want.files - partial} files`).test(rest.output)) {
                    problems.push(
                        `the next run did not copy exactly the ${want.files - partial} missing files: ${lastLine(rest.output)}`,
                    );
                }
                fs.rmSync(path.join(benchDir, ".dcdr-media-migrated"), { force: true });
                return {
                    did: `cut after 20 MB: "${cut.error.replace(/^\S+ /, "").slice(0, 160)}..."; ${partial} of ${want.files} objects were up; the next run: "${lastLine(rest.output)}"`,
                    problems,
                };
            },
        );

        await cases.run("throughput: 500 generated files (~50 MB), then nothing to do", async () => {
            const benchBucket = mediaBucketName(ground.s3.bucket, "us-west-2");
            const bench: Site = {
                ...dc,
                contentDir: benchDir,
                workDir: path.join(root, "pods", "bench"),
                media: { storage: "s3", bucket: benchBucket },
            };
            moto.createBucket(benchBucket);
            const problems: string[] = [];
            const first = await ground.step(MIGRATE, bench);
            const mb = want.bytes / 1e6;
            const listed = moto.objects(benchBucket, "content/");
            const listedBytes = [...listed.values()].reduce((a, b) => a + b, 0);
            if (first.code !== 0) problems.push(`the media step failed: ${first.error}`);
            if (listed.size !== want.files || listedBytes !== want.bytes) {
                problems.push(`the bucket holds ${listed.size} objects (${listedBytes} B), not ${want.files} (${want.bytes} B)`);
            }
            const second = await ground.step(MIGRATE, bench);
            const forced = await ground.step(MIGRATE, bench, { env: { MEDIA_MIGRATE_FORCE: "true" } });
            if (!/skipped without contacting S3/.test(second.output))
                problems.push(`the second run did not skip: ${lastLine(second.output)}`);
            if (!/copied 0 files/.test(forced.output))
                problems.push(`the forced run copied something: ${lastLine(forced.output)}`);
            // The tool alone, for scale: the same tree with one plain `aws s3 cp --recursive` into an empty bucket.
            const rawBucket = mediaBucketName(ground.s3.bucket, "us-east-2");
            moto.createBucket(rawBucket);
            const rawStarted = Date.now();
            moto.aws(["s3", "cp", "--only-show-errors", "--recursive", bench.contentDir, `s3://${rawBucket}/`]);
            const raw = (Date.now() - rawStarted) / 1000;
            figures.push(
                `  throughput      ${want.files} files, ${mb.toFixed(1)} MB in ${first.seconds.toFixed(1)}s (${(mb / first.seconds).toFixed(1)} MB/s; a plain aws s3 cp --recursive of the same tree: ${raw.toFixed(1)}s); again: ${second.seconds.toFixed(2)}s (marker, no S3); MEDIA_MIGRATE_FORCE (list, compare, nothing to copy): ${forced.seconds.toFixed(1)}s`,
            );
            return { did: `${want.files} files, ${mb.toFixed(1)} MB copied in ${first.seconds.toFixed(1)}s`, problems };
        });
    } finally {
        await ghost?.stop();
        await gate.stop();
    }
    const ok = cases.print();
    process.stdout.write(`  figures\n${figures.join("\n")}\n`);
    return ok;
}

/** Small media files Ghost might take (audio/video upload validates extension and type): WAV first. */
function mediaFixtures(): [string, string, Buffer][] {
    const samples = Buffer.alloc(8000, 128);
    const header = Buffer.alloc(44);
    header.write("RIFF", 0);
    header.writeUInt32LE(36 + samples.length, 4);
    header.write("WAVEfmt ", 8);
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20); // PCM
    header.writeUInt16LE(1, 22); // mono
    header.writeUInt32LE(8000, 24);
    header.writeUInt32LE(8000, 28);
    header.writeUInt16LE(1, 32);
    header.writeUInt16LE(8, 34);
    header.write("data", 36);
    header.writeUInt32LE(samples.length, 40);
    const wav = Buffer.concat([header, samples]);
    return [
        ["drill-tone.wav", "audio/wav", wav],
        ["drill-tone.wav", "audio/x-wav", wav],
    ];
}

/** A lexical document holding one HTML card: the markup stays as written (links, <audio>). */
function htmlCardLexical(html: string): string {
    return JSON.stringify({
        root: {
            children: [{ type: "html", version: 1, html }],
            direction: null,
            format: "",
            indent: 0,
            type: "root",
            version: 1,
        },
    });
}

/** Every regular file the media step copies, by its key: content/<kind>/<path>, and the two settings files. */
function volumeFiles(contentDir: string): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    const walk = (dir: string, key: string) => {
        if (!fs.existsSync(dir)) return;
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            if (e.isDirectory()) walk(path.join(dir, e.name), `${key}/${e.name}`);
            else if (e.isFile()) out.set(`${key}/${e.name}`, fs.readFileSync(path.join(dir, e.name)));
        }
    };
    for (const kind of MEDIA_KINDS) walk(path.join(contentDir, kind), mediaKeyPrefix(kind));
    for (const [file, name] of [
        ["settings/routes.yaml", "routes.yaml"],
        ["data/redirects.json", "redirects.json"],
    ]) {
        const p = path.join(contentDir, file);
        if (fs.existsSync(p)) out.set(`${MEDIA_SETTINGS_PREFIX}/${name}`, fs.readFileSync(p));
    }
    return out;
}

/** Each way the bucket differs from `files` (key -> bytes): downloaded with one aws process into `dir`. */
function bucketMatches(moto: Moto, bucket: string, files: Map<string, Buffer>, dir: string): string[] {
    moto.download(bucket, "", dir);
    const problems: string[] = [];
    for (const [key, bytes] of files) {
        const p = path.join(dir, key);
        if (!fs.existsSync(p)) problems.push(`s3://${bucket}/${key} is missing`);
        else if (!fs.readFileSync(p).equals(bytes)) problems.push(`s3://${bucket}/${key} differs from the volume's file`);
    }
    return problems;
}

/** The site's old /content/<kind>/... URLs: Ghost answers 301 with the same key on the CDN, and the key exists. */
async function oldUrlProblems(
    g: Ghost,
    moto: Moto,
    bucket: string,
    uploads: Partial<Record<string, { url: string; bytes: Buffer }>>,
    awkwardDir: string,
): Promise<string[]> {
    const problems: string[] = [];
    const paths = [
        ...Object.values(uploads).map((u) => new URL((u as { url: string }).url).pathname),
        ...AWKWARD.map((n) => `/${mediaKeyPrefix("images")}/2026/11/${encodeURIComponent(n)}`),
    ];
    const keys = moto.objects(bucket, "content/");
    for (const p of paths) {
        const res = await get(`${g.url}${p}`, { redirect: "manual" });
        const location = res.headers.get("location") ?? "";
        if (res.status !== 301 || location !== `${DRILL_CDN_URL}${p}`) {
            problems.push(`GET ${p}: HTTP ${res.status} to ${location || "nowhere"}, not 301 to ${DRILL_CDN_URL}${p}`);
            continue;
        }
        const key = decodeURIComponent(new URL(location).pathname.slice(1));
        if (!keys.has(key)) problems.push(`${p} redirects to ${key}, which is not in s3://${bucket}`);
    }
    if (!fs.existsSync(awkwardDir)) problems.push(`${awkwardDir} is gone: the volume's files must stay`);
    return problems;
}

/** The post Ghost renders on S3 still shows its uploads: site URLs that redirect to CDN keys holding the bytes. */
async function postProblems(
    g: Ghost,
    moto: Moto,
    bucket: string,
    postUrl: string,
    uploads: Partial<Record<string, { url: string; bytes: Buffer }>>,
): Promise<string[]> {
    const problems: string[] = [];
    const page = `${g.url}${new URL(postUrl).pathname}`;
    const res = await get(page);
    const html = await res.text();
    if (!res.ok) return [`GET ${page}: HTTP ${res.status}`];
    // A theme asks for resized copies on the site (/content/images/size/w600/..., relative or absolute): Ghost makes
    // one from the original in the bucket, writes it under the same key there and redirects to it on the CDN.
    const origin = g.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const sized = new RegExp(`(?:${origin})?(/content/images/size/[^"'\\s?]+)`).exec(html)?.[1];
    if (!sized) {
        problems.push("the post's HTML asks for no resized copy of its feature image (/content/images/size/...)");
    } else {
        const hop = await get(`${g.url}${sized}`, { redirect: "manual" });
        const key = decodeURIComponent(sized.slice(1));
        if (
            hop.status !== 301 ||
            hop.headers.get("location") !== `${DRILL_CDN_URL}${sized}` ||
            !moto.objects(bucket, key).has(key)
        ) {
            problems.push(
                `${sized}: HTTP ${hop.status} to ${hop.headers.get("location") ?? "nowhere"}; s3://${bucket}/${key} ${moto.objects(bucket, key).has(key) ? "exists" : "missing"}`,
            );
        }
    }
    for (const [kind, upload] of Object.entries(uploads)) {
        if (!upload) continue;
        const p = new URL(upload.url).pathname;
        if (!html.includes(`${g.url}${p}`)) {
            problems.push(`the post's HTML does not show its ${kind} upload at ${g.url}${p}`);
            continue;
        }
        const hop = await get(`${g.url}${p}`, { redirect: "manual" });
        const location = hop.headers.get("location") ?? "";
        const key = location.startsWith(`${DRILL_CDN_URL}/`) ? decodeURIComponent(new URL(location).pathname.slice(1)) : "";
        if (hop.status !== 301 || !key) problems.push(`the post's ${kind} ${p}: HTTP ${hop.status}, not a 301 to the CDN`);
        else if (!moto.getBytes(bucket, key).equals(upload.bytes))
            problems.push(`the post's ${kind}: s3://${bucket}/${key} differs`);
    }
    return problems;
}

async function redirectProblems(g: Ghost, where: string): Promise<string[]> {
    const res = await get(`${g.url}/drill-old-path/`, { redirect: "manual" });
    const location = res.headers.get("location") ?? "";
    return res.status === 301 && location.endsWith(REDIRECT.to)
        ? []
        : [`the custom redirect ${where}: HTTP ${res.status} to ${location || "nowhere"}, not 301 to ${REDIRECT.to}`];
}

/** fetchGhost, with the URL and the network error's cause in its message when there is no answer at all. */
async function get(url: string, init?: RequestInit): Promise<Response> {
    try {
        return await fetchGhost(url, init);
    } catch (err: unknown) {
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
        throw new Error(`GET ${url}: ${err instanceof Error ? err.message : String(err)}${cause}`);
    }
}

function migrateOutput(g: Ghost): string {
    return g.init.steps.find((s) => s.output.includes(" media: "))?.output.trim() ?? "(the media step did not run)";
}

function lastLine(output: string): string {
    return (output.trim().split("\n").pop() ?? "").replace(/^\S+ media: /, "");
}

function errorMessage(body: string): string {
    try {
        const e = (JSON.parse(body) as { errors?: { message?: string; context?: string }[] }).errors?.[0];
        return [e?.message, e?.context].filter(Boolean).join(" ");
    } catch {
        return body.slice(0, 200);
    }
}

/** A port nothing listens on (S3 unreachable for whoever tries it). */
async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return typeof address === "object" && address !== null ? address.port : 9;
}

function unchanged(before: Map<string, number>, after: Map<string, number>): string[] {
    const added = [...after.keys()].filter((k) => !before.has(k));
    return added.length || after.size !== before.size
        ? [`the bucket changed: ${before.size} objects before, ${after.size} after (${added.slice(0, 3).join(", ")})`]
        : [];
}

/** One thing planted on the volume the media step must refuse, and how to take it away again. */
interface Plant {
    name: string;
    expect: RegExp;
    make(): Promise<() => Promise<void> | void> | (() => Promise<void> | void);
}

function refusals(content: string): Plant[] {
    const at = (...p: string[]) => path.join(content, ...p);
    const plants: Plant[] = [
        {
            name: "symbolic link to a folder (files/etc -> /etc)",
            expect: /files\/etc' is a symbolic link/,
            make: () => {
                fs.symlinkSync("/etc", at("files", "etc"));
                return () => fs.rmSync(at("files", "etc"));
            },
        },
        {
            name: "fifo",
            expect: /media\/pipe' is a fifo/,
            make: () => {
                sh("mkfifo", [at("media", "pipe")]);
                return () => fs.rmSync(at("media", "pipe"));
            },
        },
        {
            name: "hard link to a fifo elsewhere on the volume",
            expect: /images\/linked-fifo' is a fifo/,
            make: () => {
                sh("mkfifo", [at(".fifo")]);
                fs.linkSync(at(".fifo"), at("images", "linked-fifo"));
                return () => {
                    fs.rmSync(at("images", "linked-fifo"));
                    fs.rmSync(at(".fifo"));
                };
            },
        },
        {
            name: "socket",
            expect: /images\/drill\.sock' is a socket/,
            make: async () => {
                const server = net.createServer();
                await new Promise<void>((resolve) => server.listen(at("images", "drill.sock"), resolve));
                return () => new Promise<void>((resolve) => server.close(() => resolve()));
            },
        },
        {
            name: "a newline in a file name",
            expect: /\$'.*new\\nline\.png' has a control character/,
            make: () => {
                fs.writeFileSync(at("images", "new\nline.png"), "x");
                return () => fs.rmSync(at("images", "new\nline.png"));
            },
        },
        {
            name: "unreadable file",
            expect: /images\/secret\.png' cannot be read/,
            make: () => {
                fs.writeFileSync(at("images", "secret.png"), "x", { mode: 0 });
                giveToPod(at("images", "secret.png"));
                return () => fs.rmSync(at("images", "secret.png"));
            },
        },
        {
            name: "data/redirects.yaml",
            expect: /redirects\.yaml' holds redirects in YAML.*Convert it to JSON and upload that in Ghost Admin/,
            make: () => {
                fs.writeFileSync(at("data", "redirects.yaml"), "301:\n  /a/: /b/\n");
                return () => fs.rmSync(at("data", "redirects.yaml"));
            },
        },
    ];
    if (drillIsRoot()) {
        plants.push({
            name: "character device (/dev/null's numbers)",
            expect: /media\/null' is a character device/,
            make: () => {
                sh("mknod", [at("media", "null"), "c", "1", "3"]);
                return () => fs.rmSync(at("media", "null"));
            },
        });
    }
    return plants;
}

/** `files` files of `size` random bytes under <dir>/images/2026/<01..10>/; returns how many and their bytes. */
function generateFiles(dir: string, files: number, size: number): { files: number; bytes: number } {
    for (let i = 0; i < files; i++) {
        const sub = path.join(dir, "images", "2026", String((i % 10) + 1).padStart(2, "0"));
        fs.mkdirSync(sub, { recursive: true });
        fs.writeFileSync(path.join(sub, `generated-${i}.jpg`), crypto.randomBytes(size));
    }
    return { files, bytes: files * size };
}

runMain(main);
