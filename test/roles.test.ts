import { strict as assert } from "node:assert";
import { deriveRole, PeerState, RoleInputs } from "../stacks/roles";

/** Every combination of deriveRole's inputs: dc with 2 flags x 4 peer states, dr with 2 flags; x 2^5 = 320. */
function* everyInput(): Generator<RoleInputs> {
    const peers: (PeerState | undefined)[] = [
        undefined,
        { deployed: false, failover: false },
        { deployed: true, failover: false },
        { deployed: true, failover: true },
    ];
    for (const site of ["dc", "dr"] as const)
        for (const failover of [false, true])
            for (const peer of site === "dc" ? peers : [undefined])
                for (const drMode of ["warm", "cold"] as const)
                    for (const dnsFailover of ["manual", "automatic"] as const)
                        for (const catchUpRestore of [false, true])
                            for (const maintenance of [false, true])
                                for (const restoreRequested of [false, true])
                                    yield {
                                        site,
                                        failover,
                                        peer,
                                        drMode,
                                        dnsFailover,
                                        catchUpRestore,
                                        maintenance,
                                        restoreRequested,
                                    };
}

describe("deriveRole over every combination of its inputs", () => {
    const inputs = [...everyInput()];

    it("covers the whole input space", () => {
        // dc: 2 flags x 4 peer states; dr: 2 flags, no peer. Each x 2 DR modes x 2 DNS modes x 2 x 2 x 2.
        assert.equal(inputs.length, (2 * 4 + 2) * 2 * 2 * 2 * 2 * 2);
    });

    it("an active site never restores, and a standby never backs up or runs Ghost", () => {
        for (const i of inputs) {
            const r = deriveRole(i);
            const what = JSON.stringify(i);
            assert.equal(r.runsBackups, r.active, what);
            if (r.active) {
                assert.equal(r.restore, "none", what);
                assert.equal(r.restoreOnce, false, what);
            } else {
                assert.notEqual(r.restore, "none", what);
                assert.equal(r.ghostReplicas, 0, what);
                assert.equal(r.catchUpRestore, false, what);
            }
        }
    });

    it("maintenance stops Ghost and nothing else", () => {
        for (const i of inputs.filter((x) => !x.maintenance)) {
            const open = deriveRole(i);
            const frozen = deriveRole({ ...i, maintenance: true });
            assert.equal(frozen.ghostReplicas, 0, JSON.stringify(i));
            assert.deepEqual({ ...frozen, ghostReplicas: open.ghostReplicas }, open, JSON.stringify(i));
        }
    });

    it("dc and dr agree on one active site whenever dc sees dr's current flag", () => {
        for (const i of inputs.filter((x) => x.site === "dr")) {
            const dr = deriveRole(i);
            const dc = deriveRole({ ...i, site: "dc", peer: { deployed: true, failover: i.failover } });
            assert.notEqual(dc.active, dr.active, JSON.stringify(i));
            assert.equal(dc.domainTarget, dr.domainTarget, JSON.stringify(i));
            // Once dr is deployed only dr writes the public name, so a switch needs only the dr stack.
            assert.equal(dr.ownsDomainRecord, true);
            assert.equal(dc.ownsDomainRecord, false);
        }
    });

    it("automatic DNS failover exists only on a standby dr, and only when asked for", () => {
        for (const i of inputs) {
            const r = deriveRole(i);
            assert.equal(r.automaticDns, i.dnsFailover === "automatic" && i.site === "dr" && !r.active, JSON.stringify(i));
        }
    });

    it("a standby restores on schedule when warm, at bring-up when cold, and once more when a set is named", () => {
        for (const i of inputs) {
            const r = deriveRole(i);
            if (r.active) continue;
            assert.equal(r.restore, i.drMode === "warm" ? "scheduled" : "on-bring-up", JSON.stringify(i));
            assert.equal(r.restoreOnce, i.drMode === "cold" || i.restoreRequested, JSON.stringify(i));
        }
    });
});
