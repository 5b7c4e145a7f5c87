/**
 * Ghost's uploads in S3 (issue 13): the environment that makes Ghost store images, media and files in its site's
 * media bucket and serve them from the CDN, and keep redirects and route settings in the same bucket.
 *
 * Every key below was read in Ghost 6.65.0 (the pinned ghostVersion), and the drill holds them against Ghost's own
 * config loader and a real boot (`npm run drill:media`):
 * - core/server/adapters/storage/S3Storage.js: options `bucket`, `region`, `cdnUrl`, `staticFileURLPrefix`,
 *   `multipartUploadThresholdBytes` and `multipartChunkSizeBytes` (both required, integers, the chunk at least 5 MiB),
 *   optional `endpoint`, `forcePathStyle`, `tenantPrefix` and static keys (none here: with no keys it uses the AWS SDK's
 *   default chain, i.e. the pod's IRSA web identity). `save()` returns `<cdnUrl>/<staticFileURLPrefix>/<path>`, which
 *   is what a post stores; `serve()` answers the site's own `/content/images/...` with a 301 to the same key on the
 *   CDN, so posts written before the switch (which hold `__GHOST_URL__/content/images/...`) keep working.
 * - core/server/services/adapter-manager/utils.js `resolveAdapterOptions`: `storage.active` is the images adapter, and
 *   `storage.media` / `storage.files` given as `{adapter, ...}` take the active adapter's options with their own
 *   `staticFileURLPrefix` on top.
 * - core/server/adapters/redirects/S3RedirectsStore.js and route-settings/S3RouteSettingsStore.js, chosen with
 *   `adapters.redirects.active` and `adapters.route-settings.active`: `bucket`, `region`, `staticFileURLPrefix`.
 * - core/shared/config/loader.js: environment variables are read with separator `__` and `parseValues: true`, so the
 *   byte counts arrive as numbers.
 *
 * `urls.image` (and media, files) is deliberately not set: it would make Ghost render every image, including the
 * resized copies a theme asks for (`/content/images/size/w600/...`), on the CDN, but Ghost makes a resized copy only
 * when a request for it reaches Ghost (core/frontend/web/middleware/handle-image-sizes.js), so those would never exist.
 * The price: Ghost takes an upload's CDN URL for an external image, so themes get the uploaded size for every srcset
 * size (Ghost already scales uploads down to 2000 px); images from before the switch still get resized copies.
 * A misspelt key here does not stop Ghost: `storage__media__adpter` silently stores media under content/images. Only
 * the drill's check against Ghost's loader (drill:media, with a misspelt control case) catches that.
 */
import type * as k8s from "@pulumi/kubernetes";
import { MEDIA_SETTINGS_PREFIX, mediaKeyPrefix } from "../media";

/** Where one site's Ghost keeps its uploads. */
export interface GhostMedia {
    /** This site's regional media bucket. */
    readonly bucket: string;
    readonly region: string;
    /** https://media.<domain>: the same on both sites, so no post needs rewriting after a failover. */
    readonly cdnUrl: string;
}

/**
 * Uploads of at least this many bytes go up in parts (S3Storage reads a smaller file whole into memory); each part is
 * `chunkBytes`, held in memory while it is sent. S3 needs parts of at least 5 MiB.
 */
export const GHOST_S3_MULTIPART = { thresholdBytes: 16 * 1024 * 1024, chunkBytes: 8 * 1024 * 1024 } as const;

/**
 * The config paths (env form) of the three S3 adapters Ghost is given. The drill adds `<path>__endpoint` and
 * `<path>__forcePathStyle` to each, for its S3 API on loopback; production has neither.
 */
export const GHOST_S3_ADAPTER_PATHS = [
    "storage__S3Storage",
    "adapters__redirects__S3RedirectsStore",
    "adapters__route-settings__S3RouteSettingsStore",
] as const;

/** What Ghost's adapter manager must resolve from `ghostMediaEnv` (the drill compares it with Ghost's own loader). */
export function ghostMediaAdapters(
    m: GhostMedia,
): Record<string, { adapterClassName: string; adapterConfig: Record<string, unknown> }> {
    const s3 = {
        bucket: m.bucket,
        region: m.region,
        cdnUrl: m.cdnUrl,
        multipartUploadThresholdBytes: GHOST_S3_MULTIPART.thresholdBytes,
        multipartChunkSizeBytes: GHOST_S3_MULTIPART.chunkBytes,
    };
    const settings = { bucket: m.bucket, region: m.region, staticFileURLPrefix: MEDIA_SETTINGS_PREFIX };
    return {
        "storage:images": {
            adapterClassName: "S3Storage",
            adapterConfig: { ...s3, staticFileURLPrefix: mediaKeyPrefix("images") },
        },
        "storage:media": {
            adapterClassName: "S3Storage",
            adapterConfig: { ...s3, staticFileURLPrefix: mediaKeyPrefix("media") },
        },
        "storage:files": {
            adapterClassName: "S3Storage",
            adapterConfig: { ...s3, staticFileURLPrefix: mediaKeyPrefix("files") },
        },
        redirects: { adapterClassName: "S3RedirectsStore", adapterConfig: settings },
        "route-settings": { adapterClassName: "S3RouteSettingsStore", adapterConfig: settings },
    };
}

/** Ghost's environment for S3 uploads (Ghost reads `a__b` as `a.b`). No credentials: the pod's IRSA role. */
export function ghostMediaEnv(m: GhostMedia): k8s.types.input.core.v1.EnvVar[] {
    const [storage, redirects, routes] = GHOST_S3_ADAPTER_PATHS;
    const env: [string, string][] = [
        ["storage__active", "S3Storage"],
        [`${storage}__bucket`, m.bucket],
        [`${storage}__region`, m.region],
        [`${storage}__cdnUrl`, m.cdnUrl],
        [`${storage}__staticFileURLPrefix`, mediaKeyPrefix("images")],
        [`${storage}__multipartUploadThresholdBytes`, String(GHOST_S3_MULTIPART.thresholdBytes)],
        [`${storage}__multipartChunkSizeBytes`, String(GHOST_S3_MULTIPART.chunkBytes)],
        ["storage__media__adapter", "S3Storage"],
        ["storage__media__staticFileURLPrefix", mediaKeyPrefix("media")],
        ["storage__files__adapter", "S3Storage"],
        ["storage__files__staticFileURLPrefix", mediaKeyPrefix("files")],
        ["adapters__redirects__active", "S3RedirectsStore"],
        [`${redirects}__bucket`, m.bucket],
        [`${redirects}__region`, m.region],
        [`${redirects}__staticFileURLPrefix`, MEDIA_SETTINGS_PREFIX],
        ["adapters__route-settings__active", "S3RouteSettingsStore"],
        [`${routes}__bucket`, m.bucket],
        [`${routes}__region`, m.region],
        [`${routes}__staticFileURLPrefix`, MEDIA_SETTINGS_PREFIX],
    ];
    return env.map(([name, value]) => ({ name, value }));
}
