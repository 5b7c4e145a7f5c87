/**
 * Fence drill: `npm run drill:fence`. Runs the backup's fence step (components/backup/steps.ts, backup-fence.sh) for
 * real against a Route 53 API (moto_server on 127.0.0.1) in every state the failover flag can leave the public domain
 * in, and checks that exactly the site the primary record names may publish. Prints one line per case; exits non-zero
 * on a failure. The DR drill and the fault drills run the same step inside the backup chain (drill:faults has the
 * stale-site case).
 */
import { Cases } from "./lib/cases";
import { giveToPod, stepEnv, stepOf } from "./lib/datapath";
import { checkSetup, log, runMain, runScript, workDir } from "./lib/proc";
import { createZone, setPrimary, siteHostname } from "./lib/route53";
import { FAKE_AWS_ENV, Moto } from "./lib/s3";
import type { Site } from "../components/site";

const FENCE = stepOf("backup-fence.sh");

async function main(): Promise<boolean> {
    checkSetup({ bins: ["/usr/bin/aws"] });
    const root = workDir("fence");
    giveToPod(root);
    const moto = await Moto.start(root);
    const zone = createZone(moto);
    log(`moto: zone ${zone.id} for ${zone.domain}`);

    const fence = (site: Site, zoneId = zone.id) =>
        runScript(
            FENCE.script,
            stepEnv(FENCE, {
                mounts: { work: root, tmp: root },
                inputs: { fenceZoneId: zoneId, fenceDomain: zone.domain, fenceSiteName: siteHostname(site, zone.domain) },
                standIn: { ...FAKE_AWS_ENV, S3_ENDPOINT_URL: moto.url },
            }),
        );
    const cases = new Cases("fence");
    const check = (label: string, site: Site, allowed: boolean, zoneId?: string) =>
        cases.run(`${label}: ${site}`, async () => {
            const r = await fence(site, zoneId);
            const said = (r.output.trim().split("\n").pop() ?? "").replace(/^\S+ /, "");
            const refusedAsPromised = /ERROR: .*nothing was published|ERROR: cannot read/.test(r.error);
            const ok = (r.code === 0) === allowed && (allowed || refusedAsPromised);
            return {
                did: `${r.code === 0 ? "may publish" : "refused"} (${said})`,
                problems: ok
                    ? []
                    : [allowed ? "the fence refused the active site" : "the fence let a site publish that is not the primary"],
            };
        });

    await check("no primary record yet", "dc", false);
    setPrimary(moto, zone, "dc");
    await check("domain on dc (normal)", "dc", true);
    await check("domain on dc (normal)", "dr", false);
    setPrimary(moto, zone, "dr");
    await check("after failover, stale dc not yet updated", "dc", false);
    await check("after failover", "dr", true);
    await check("unknown hosted zone", "dr", false, "ZNOSUCHZONE");
    return cases.print();
}

if (require.main === module) runMain(main);
