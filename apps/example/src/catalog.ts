/** What the shop sells. Prices in cents. */
export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly priceCents: number;
}

export const CATALOG: readonly Product[] = [
  { sku: 'tea-sencha', name: 'Sencha green tea', description: 'Loose leaf, 100 g tin', priceCents: 1250 },
  { sku: 'mug-stoneware', name: 'Stoneware mug', description: 'Hand-glazed, 350 ml', priceCents: 1800 },
  { sku: 'kettle-gooseneck', name: 'Gooseneck kettle', description: 'Stainless steel, 1 l', priceCents: 4900 },
  { sku: 'strainer-mesh', name: 'Mesh strainer', description: 'Fine steel mesh, fits most cups', priceCents: 650 },
];

export function findProduct(sku: string): Product | undefined {
  return CATALOG.find((product) => product.sku === sku);
}

export function formatPrice(cents: number): string {
  return `€${(cents / 100).toFixed(2)}`;
}
