import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackFile } from "../tools/stackFile";

describe("stack files, read as Pulumi reads them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
    const write = (text: string) => {
        const file = path.join(dir, `Pulumi.t${Math.random().toString(36).slice(2)}.yaml`);
        fs.writeFileSync(file, text);
        return file;
    };

    it("puts a key without a namespace in the project's, as pulumi up does", () => {
        const raw = readStackFile(write("config:\n  aws:region: eu-west-1\n  hostedZoneId: Z1\n  nodeMaxSize: 5\n"));
        assert.deepEqual(raw, { "aws:region": "eu-west-1", "ghost-dcdr:hostedZoneId": "Z1", "ghost-dcdr:nodeMaxSize": "5" });
    });

    it("refuses a key set both with and without the namespace", () => {
        assert.throws(
            () => readStackFile(write("config:\n  hostedZoneId: Z1\n  ghost-dcdr:hostedZoneId: Z2\n")),
            /ghost-dcdr:hostedZoneId is set twice \(once without its namespace, as hostedZoneId\); keep one/,
        );
    });
});
