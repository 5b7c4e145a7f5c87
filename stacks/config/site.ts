/** Site section: which site the stack builds, its region and the peer's. */
import { Site, SITES } from "../../components/site";
import { PROJECT } from "../schema";
import { nearest } from "./nearest";
import { SectionReader } from "./reader";
import { AWS_REGIONS, OTHER_PARTITION_REGIONS } from "./regions";

/** The top-level fields of `SiteConfig`. */
export interface SiteSection {
    readonly site: Site;
    readonly peerSite: Site;
    /** Stack name, used in resource names and tags. */
    readonly stack: string;
    readonly region: string;
    readonly peerRegion: string;
    /** Tags for every AWS resource of the site. */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * What the site section read: `section` when all of it is valid, and each value on its own (undefined when its key
 * had a problem), which later sections check against.
 */
export interface SiteRead {
    readonly section?: SiteSection;
    readonly site?: Site;
    readonly region?: string;
    readonly peerRegion?: string;
}

/** The shape of a region name: a value of this shape that is not in AWS_REGIONS is an unknown region, not a typo. */
const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;
/** The regions the examples of the messages give each site. */
const EXAMPLE_REGIONS: Readonly<Record<Site, string>> = { dc: "eu-west-1", dr: "eu-west-2" };

export function readSite(r: SectionReader<"site">): SiteRead {
    const stack = r.stack;
    const siteText = r.required("site", "dc");
    const site = siteText === undefined ? undefined : r.oneOf("site", siteText, SITES, "a site", "dc");
    if (site !== undefined && (stack === "dc" || stack === "dr") && stack !== site) {
        r.problem("site", site, `does not match the stack "${stack}"`, r.set("site", stack));
    }
    const peerSite: Site = site === "dr" ? "dc" : "dr";
    const region = checkRegion("aws:region", r.otherText("aws:region"), EXAMPLE_REGIONS[site ?? "dc"]);
    const peerRegion = checkRegion(r.name("peerRegion"), r.text("peerRegion"), EXAMPLE_REGIONS[peerSite]);
    function checkRegion(key: string, value: string | undefined, example: string): string | undefined {
        if (value === undefined) {
            return r.fail(key, undefined, "is required but not set", r.setCmd(key, example));
        }
        if (AWS_REGIONS.includes(value)) return value;
        if (OTHER_PARTITION_REGIONS.includes(value)) {
            return r.fail(
                key,
                value,
                "is not a region of the AWS commercial partition, whose arn:aws: ARNs this program writes",
                r.setCmd(key, example),
            );
        }
        // The example only when no region is a typo or two away (eu-wset-1, euwest1, eu-west-9: eu-west-1).
        const fix = r.setCmd(key, nearest(value, AWS_REGIONS, 3, example) ?? example);
        if (REGION_RE.test(value)) {
            return r.fail(key, value, `is not an AWS region (those of the pinned @pulumi/aws: ${AWS_REGIONS.join(", ")})`, fix);
        }
        return r.fail(key, value, "is not an AWS region name", fix);
    }
    if (region !== undefined && peerRegion !== undefined && region === peerRegion) {
        // Blame the key that names the dr site's region: the dc region is the fixed point (dc is the primary, deployed
        // first), so on dc the peer region is wrong, and on dr its own aws:region, while its peerRegion names dc's.
        const otherRegion = region === EXAMPLE_REGIONS.dr ? EXAMPLE_REGIONS.dc : EXAMPLE_REGIONS.dr;
        if (site === "dr") {
            r.fail(
                "aws:region",
                region,
                `is the same region as ${r.name("peerRegion")}, the dc site's; DR needs a second region`,
                r.setCmd("aws:region", otherRegion),
            );
        } else {
            r.problem(
                "peerRegion",
                peerRegion,
                "is the same region as aws:region; DR needs a second region",
                r.set("peerRegion", otherRegion),
            );
        }
    }

    if (site === undefined || region === undefined || peerRegion === undefined) return { site, region, peerRegion };
    return {
        section: {
            site,
            peerSite,
            stack,
            region,
            peerRegion,
            tags: { project: PROJECT, site, stack, "managed-by": "pulumi" },
        },
        site,
        region,
        peerRegion,
    };
}
