/**
 * Token paging over Zoom's list endpoints (API.md §5): send the same query with `next_page_token`
 * until the token comes back empty or absent.
 *
 * Zoom has been seen to loop (a token that leads back to the first page), so iteration stops with a
 * `ZoomPagingError` when a token repeats or a page repeats the ids of an earlier page, instead of
 * looping forever.
 */
import { ZoomPagingError } from './errors';
import type { ListEnvelope, Page } from './types';

export interface PaginateOptions<Raw extends ListEnvelope, Item> {
  /** For messages: which list this is. */
  what: string;
  fetchPage: (nextPageToken: string | undefined) => Promise<Raw>;
  itemsOf: (raw: Raw) => Item[] | undefined;
  /** The id of an item, for detecting a repeated page. */
  idOf: (item: Item) => string;
}

export async function* paginate<Raw extends ListEnvelope, Item>(o: PaginateOptions<Raw, Item>): AsyncGenerator<Page<Item>> {
  const seenTokens = new Set<string>();
  const seenPages = new Set<string>();
  let token: string | undefined;
  for (let pageNumber = 1; ; pageNumber++) {
    const raw = (await o.fetchPage(token)) ?? ({} as Raw);
    const items = o.itemsOf(raw) ?? [];
    if (items.length > 0) {
      const signature = items.map(o.idOf).join('\n');
      if (seenPages.has(signature)) {
        throw new ZoomPagingError(`${o.what}: page ${pageNumber} repeats the users/items of an earlier page — stopped instead of looping`);
      }
      seenPages.add(signature);
    }
    const next = typeof raw.next_page_token === 'string' && raw.next_page_token !== '' ? raw.next_page_token : undefined;
    yield { items, nextPageToken: next, totalRecords: raw.total_records, pageNumber };
    if (!next) return;
    if (seenTokens.has(next) || next === token) {
      throw new ZoomPagingError(`${o.what}: next_page_token repeated after page ${pageNumber} — stopped instead of looping`);
    }
    seenTokens.add(next);
    token = next;
  }
}

/** Flattens pages into items. */
export async function* itemsOf<T>(pages: AsyncIterable<Page<T>>): AsyncGenerator<T> {
  for await (const page of pages) yield* page.items;
}

/** Reads every item of a paged list into an array. */
export async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page.items);
  return out;
}
