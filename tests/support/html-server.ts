// Stands where an AWS endpoint should be and answers every request with an HTML page, as a
// corporate proxy, a firewall or a web server at a wrong endpoint URL does.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface HtmlServer {
    readonly url: string;
    /** How many requests it answered. */
    readonly requests: () => number;
    stop(): Promise<void>;
}

export async function startHtmlServer(statusCode: number, page: string): Promise<HtmlServer> {
    let requests = 0;
    const server = createServer((request, response) => {
        requests++;
        request.resume();
        response.writeHead(statusCode, { "content-type": "text/html; charset=utf-8" });
        response.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests: () => requests,
        async stop() {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
