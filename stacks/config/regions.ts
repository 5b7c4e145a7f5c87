/**
 * The AWS regions a site can be built in: the commercial ones of the `Region` enum of the pinned @pulumi/aws
 * (node_modules/@pulumi/aws/types/enums/index.d.ts), read from the package so a pin bump brings new regions with it;
 * test/config-keys.test.ts checks the split below against the package's file.
 */
import { Region } from "@pulumi/aws/types/enums";

/**
 * A commercial region is <geography>-<direction>-<n> (eu-west-1, ap-southeast-7). The enum also holds the regions of
 * the other partitions (aws-us-gov, aws-iso*, aws-eusc, and aws-cn, whose cn- names share the shape): their ARNs do
 * not start arn:aws:, which this program writes throughout (IAM policies and trust, bucket and hosted zone ARNs).
 */
const COMMERCIAL_RE = /^[a-z]{2}-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d+$/;
const isCommercial = (region: string) => COMMERCIAL_RE.test(region) && !region.startsWith("cn-");

/** The commercial regions, sorted. */
export const AWS_REGIONS: readonly string[] = Object.values(Region).filter(isCommercial).sort();

/** The enum's regions of the other partitions, which a site cannot use. */
export const OTHER_PARTITION_REGIONS: readonly string[] = Object.values(Region)
    .filter((r) => !isCommercial(r))
    .sort();
