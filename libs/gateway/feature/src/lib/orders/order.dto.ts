import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsInt, IsString, IsUUID, Matches, Max, Min, ValidateNested } from 'class-validator';

export class MoneyBody {
  /** Integer minor units (cents): money is never a float. */
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  amountMinor!: number;

  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currencyCode must be an ISO 4217 code such as EUR' })
  currencyCode!: string;
}

export class OrderLineBody {
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'sku must be 1 to 64 letters, digits, dots, dashes or underscores' })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(10_000)
  quantity!: number;

  @ValidateNested()
  @Type(() => MoneyBody)
  unitPrice!: MoneyBody;
}

/** Body of POST /orders. */
export class PlaceOrderBody {
  @IsUUID()
  userId!: string;

  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderLineBody)
  lines!: OrderLineBody[];
}
