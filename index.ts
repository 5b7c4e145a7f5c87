import { program } from "./stacks/program";

// Pulumi takes the stack outputs (stacks/site.ts, SiteOutputs) from this promise.
export = program();
