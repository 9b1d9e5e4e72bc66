import type { Delivery, DeliveryStatus } from '@pushwire/protocol';
import { EdgeLink, type EdgeLinkOptions } from './edge-link';

/**
 * The edge-to-edge links of one edge, one per peer edge (keyed by the peer's internal URL as the
 * registry names it), each opened on first use and kept (EdgeLink). What D2dRouter relays through.
 */
export class EdgeLinks {
  private readonly links = new Map<string, EdgeLink>();

  constructor(private readonly opts: EdgeLinkOptions) {
    if (!opts.serviceToken) throw new TypeError('EdgeLinks: serviceToken is required');
  }

  /** Relays deliveries to the edge at `edgeUrl` (its internal port); one status per delivery, in order. Never rejects. */
  relay(edgeUrl: string, deliveries: Delivery[]): Promise<DeliveryStatus[]> {
    let link = this.links.get(edgeUrl);
    if (!link) this.links.set(edgeUrl, (link = new EdgeLink(linkUrl(edgeUrl), this.opts)));
    return link.send(deliveries);
  }

  /** The link to `edgeUrl`, if one was made. */
  linkTo(edgeUrl: string): EdgeLink | undefined {
    return this.links.get(edgeUrl);
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.close()));
    this.links.clear();
  }
}

/** ws(s)://host:port/…/v1/link for an edge's internal http(s) URL. */
export function linkUrl(edgeUrl: string): string {
  const url = new URL(edgeUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/link`;
  return url.toString();
}
