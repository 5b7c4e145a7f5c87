/** Media section: where Ghost keeps its uploads, and how the media buckets replicate and the CDN serves them (issue 13). */
import { mediaBucketName, mediaHostname } from "../../components/media";
import { SectionReader } from "./reader";

export type MediaStorage = "s3" | "volume";
export type MediaPriceClass = "PriceClass_100" | "PriceClass_200" | "PriceClass_All";

export interface MediaConfig {
    readonly mediaStorage: MediaStorage;
    /** Media bucket in this site's region (this site's uploads, and the other site's replicated in). */
    readonly localBucket: string;
    /** Media bucket in the peer region. */
    readonly peerBucket: string;
    /** The CDN's name, media.<domain>. */
    readonly hostname: string;
    readonly mediaReplicationRtc: boolean;
    readonly mediaPriceClass: MediaPriceClass;
}

/** What the media section needs from the others, each undefined when its key had a problem. */
export interface MediaInputs {
    readonly region?: string;
    readonly peerRegion?: string;
    readonly domain?: string;
    /** The backup section's bucket prefix: the media buckets share it (their suffix is shorter, so they fit too). */
    readonly bucketPrefix?: string;
}

const STORAGES: readonly MediaStorage[] = ["s3", "volume"];
const PRICE_CLASSES: readonly MediaPriceClass[] = ["PriceClass_100", "PriceClass_200", "PriceClass_All"];

export function readMedia(r: SectionReader<"media">, inputs: MediaInputs): MediaConfig | undefined {
    const mediaStorage = r.choice("mediaStorage", STORAGES, "a media storage");
    const mediaReplicationRtc = r.boolean("mediaReplicationRtc");
    const mediaPriceClass = r.choice("mediaPriceClass", PRICE_CLASSES, "a CloudFront price class");
    const { region, peerRegion, domain, bucketPrefix } = inputs;
    if (
        mediaStorage === undefined ||
        mediaReplicationRtc === undefined ||
        mediaPriceClass === undefined ||
        region === undefined ||
        peerRegion === undefined ||
        domain === undefined ||
        bucketPrefix === undefined
    ) {
        return undefined;
    }
    return {
        mediaStorage,
        localBucket: mediaBucketName(bucketPrefix, region),
        peerBucket: mediaBucketName(bucketPrefix, peerRegion),
        hostname: mediaHostname(domain),
        mediaReplicationRtc,
        mediaPriceClass,
    };
}
