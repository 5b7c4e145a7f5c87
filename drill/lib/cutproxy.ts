// A TCP proxy in front of moto that lets `budget` bytes through from clients, then cuts every
// connection and refuses new ones: S3 becoming unreachable in the middle of an upload.
import * as net from "net";

export class CutProxy {
    private sent = 0;
    private readonly sockets = new Set<net.Socket>();
    private cut = false;

    private constructor(
        private readonly server: net.Server,
        readonly port: number,
    ) {}

    static async start(targetPort: number, budget: number): Promise<CutProxy> {
        // The connection handler needs the instance, which exists only once the server listens.
        const holder: { proxy?: CutProxy } = {};
        const server = net.createServer((client) => {
            const p = holder.proxy as CutProxy;
            if (p.cut) {
                client.destroy();
                return;
            }
            const upstream = net.connect(targetPort, "127.0.0.1");
            p.sockets.add(client).add(upstream);
            client.on("data", (chunk: Buffer) => {
                p.sent += chunk.length;
                if (p.sent > budget) {
                    p.cutNow();
                    return;
                }
                upstream.write(chunk);
            });
            upstream.on("data", (chunk: Buffer) => client.write(chunk));
            const close = () => {
                client.destroy();
                upstream.destroy();
                p.sockets.delete(client);
                p.sockets.delete(upstream);
            };
            client.on("error", close).on("close", close);
            upstream.on("error", close).on("close", close);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const address = server.address();
        holder.proxy = new CutProxy(server, typeof address === "object" && address !== null ? address.port : 0);
        return holder.proxy;
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    get wasCut(): boolean {
        return this.cut;
    }

    private cutNow(): void {
        this.cut = true;
        for (const s of this.sockets) {
            s.destroy();
        }
        this.server.close();
    }

    stop(): Promise<void> {
        this.cutNow();
        return Promise.resolve();
    }
}
