/**
 * Validates a Kubernetes object against the Kubernetes OpenAPI schema (kubernetes-models), by its
 * apiVersion and kind. Throws naming the object and the schema error.
 */
export async function validateManifest(obj: { apiVersion?: string; kind?: string; metadata?: { name?: string } }): Promise<void> {
    const where = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name ?? "(unnamed)"}`;
    if (!obj.apiVersion || !obj.kind) throw new Error(`${where}: apiVersion and kind are required`);
    const custom = CUSTOM_RESOURCE_CHECKS[`${obj.apiVersion}/${obj.kind}`];
    if (custom) {
        const problems = custom(obj as MariaDbObject);
        if (problems.length > 0) throw new Error(`${where}: ${problems.join("; ")}`);
        return;
    }
    type Model = new (data: unknown) => { validate(): void };
    let model: Model | undefined;
    try {
        const module = (await import(`kubernetes-models/${obj.apiVersion}/${obj.kind}`)) as Record<string, Model | undefined>;
        model = module[obj.kind];
    } catch {
        model = undefined;
    }
    if (!model) {
        throw new Error(`${where}: no schema for this apiVersion/kind in kubernetes-models`);
    }
    try {
        new model(obj).validate();
    } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
    }
}

/**
 * Custom resources have no schema in kubernetes-models and their CRDs cannot be fetched offline: check the
 * fields the operator requires (from the mariadb-operator API reference for k8s.mariadb.com/v1alpha1).
 */
interface MariaDbObject {
    metadata?: { namespace?: unknown };
    spec?: {
        image?: unknown;
        rootPasswordSecretKeyRef?: { name?: unknown; key?: unknown };
        passwordSecretKeyRef?: { name?: unknown; key?: unknown };
        username?: unknown;
        database?: unknown;
        myCnf?: unknown;
        replicas?: unknown;
        port?: unknown;
        storage?: { size?: unknown; storageClassName?: unknown };
    };
}

/** The fields of the operator's User and Grant specs these checks read. */
interface AccountSpec {
    mariaDbRef?: { name?: unknown };
    passwordSecretKeyRef?: { name?: unknown; key?: unknown };
    username?: unknown;
    privileges?: unknown;
}

const CUSTOM_RESOURCE_CHECKS: Record<string, (obj: MariaDbObject) => string[]> = {
    "k8s.mariadb.com/v1alpha1/MariaDB": (obj) => {
        const spec = obj.spec ?? {};
        const problems: string[] = [];
        for (const key of ["rootPasswordSecretKeyRef", "passwordSecretKeyRef"] as const) {
            const ref = spec[key];
            if (typeof ref?.name !== "string" || typeof ref.key !== "string") problems.push(`spec.${key} needs name and key`);
        }
        if (typeof obj.metadata?.namespace !== "string") problems.push("metadata.namespace is required");
        if (typeof spec.image !== "string" || !/:[\w.-]+$/.test(spec.image)) problems.push("spec.image needs a tag");
        for (const key of ["username", "database", "myCnf"] as const)
            if (typeof spec[key] !== "string") problems.push(`spec.${key} must be a string`);
        if (!Number.isInteger(spec.replicas) || !Number.isInteger(spec.port))
            problems.push("spec.replicas and spec.port must be integers");
        if (typeof spec.storage?.size !== "string" || !/^\d+(Gi|Mi)$/.test(spec.storage.size))
            problems.push("spec.storage.size must be a quantity like 20Gi");
        if (typeof spec.storage?.storageClassName !== "string") problems.push("spec.storage.storageClassName must be a string");
        return problems;
    },
    // The restore user (issue 10, finding 2). Full schema check: npm run check:upstream (the operator's own CRDs).
    "k8s.mariadb.com/v1alpha1/User": (obj) => {
        const spec = (obj.spec ?? {}) as AccountSpec;
        const problems: string[] = [];
        if (typeof obj.metadata?.namespace !== "string") problems.push("metadata.namespace is required");
        if (typeof spec.mariaDbRef?.name !== "string") problems.push("spec.mariaDbRef.name is required");
        if (typeof spec.passwordSecretKeyRef?.name !== "string" || typeof spec.passwordSecretKeyRef.key !== "string")
            problems.push("spec.passwordSecretKeyRef needs name and key (without it the account is locked)");
        return problems;
    },
    "k8s.mariadb.com/v1alpha1/Grant": (obj) => {
        const spec = (obj.spec ?? {}) as AccountSpec;
        const problems: string[] = [];
        if (typeof obj.metadata?.namespace !== "string") problems.push("metadata.namespace is required");
        if (typeof spec.mariaDbRef?.name !== "string") problems.push("spec.mariaDbRef.name is required");
        if (typeof spec.username !== "string") problems.push("spec.username is required");
        if (!Array.isArray(spec.privileges) || spec.privileges.length === 0) problems.push("spec.privileges needs at least one");
        return problems;
    },
};
