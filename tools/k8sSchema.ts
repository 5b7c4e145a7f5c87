/**
 * Validates a Kubernetes object against the Kubernetes OpenAPI schema (kubernetes-models), by its
 * apiVersion and kind. Throws naming the object and the schema error.
 */
export async function validateManifest(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): Promise<void> {
    const where = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name ?? "(unnamed)"}`;
    if (!obj.apiVersion || !obj.kind) throw new Error(`${where}: apiVersion and kind are required`);
    let model: { new (data: unknown): { validate(): void } };
    try {
        const module = await import(`kubernetes-models/${obj.apiVersion}/${obj.kind}`);
        model = module[obj.kind];
    } catch {
        throw new Error(`${where}: no schema for this apiVersion/kind in kubernetes-models`);
    }
    try {
        new model(obj).validate();
    } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
    }
}
