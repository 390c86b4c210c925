// One cost table for every cloud, in FinOps FOCUS columns (https://focus.finops.org).
// Provider-specific extras use FOCUS's `x_` prefix.

export type ProviderName = 'AWS' | 'Google Cloud' | 'Microsoft Azure' | 'On-premises';

export interface FocusRow {
  ProviderName: ProviderName;
  BillingAccountId: string;
  SubAccountId?: string;
  /** ISO 8601, inclusive. */
  ChargePeriodStart: string;
  /** ISO 8601, exclusive. */
  ChargePeriodEnd: string;
  ServiceName: string;
  /** FOCUS service category: Compute, Storage, Networking, Databases, AI and Machine Learning, Other… */
  ServiceCategory: string;
  ResourceId?: string;
  RegionId?: string;
  SkuId?: string;
  PricingUnit?: string;
  ConsumedQuantity?: number;
  ConsumedUnit?: string;
  /** Cost at list price. */
  ListCost?: number;
  /** What the invoice charges for the period. */
  BilledCost: number;
  /** Amortised cost net of reservations, savings plans and committed-use discounts. */
  EffectiveCost: number;
  BillingCurrency: string;
  Tags: Record<string, string>;
  /** Instance type / machine type / meter, where the source has it. */
  x_InstanceType?: string;
  x_UsageType?: string;
  /** Amortised cost before negotiated discounts are netted (AWS AmortizedCost, Azure AmortizedCost). */
  x_AmortizedCost?: number;
  /** Credits included in EffectiveCost (Google Cloud committed-use and sustained-use credits), negative. */
  x_Credits?: number;
}
