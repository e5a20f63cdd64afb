import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** One request an endpoint got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTPS-subscription endpoint on loopback (the built-in sandbox delivers to http:// there):
 * it confirms subscriptions the way real receivers do, by GETting the X-OCI-NS-ConfirmationURL
 * of the first request, and keeps every request it gets.
 */
export class Receiver {
  readonly received: Received[] = [];
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const confirm = request.headers['x-oci-ns-confirmationurl'];
        if (typeof confirm === 'string') void fetch(confirm).catch(() => undefined);
        receiver?.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new Receiver(server, `http://127.0.0.1:${port}/hook`);
    return receiver;
  }

  /** The notifications (not confirmation requests) received so far. */
  notifications(): Received[] {
    return this.received.filter((r) => r.headers['x-oci-ns-messagetype'] === 'Notification');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
