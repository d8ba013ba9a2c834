import {
  GraphQLObjectType,
  GraphQLScalarType,
  type GraphQLFieldResolver,
  type GraphQLScalarTypeConfig,
  type GraphQLSchema,
  buildSchema,
  specifiedScalarTypes,
} from 'graphql';

/** How a custom scalar of the schema is written to and read from JSON. */
export type ScalarImplementation = Pick<GraphQLScalarTypeConfig<unknown, unknown>, 'serialize' | 'parseValue' | 'parseLiteral'>;

/**
 * The code half of a schema-first API. `never` in the resolver signature lets each resolver
 * declare the parent and arguments its field has, which the schema guarantees at run time.
 */
export interface Resolvers<Context> {
  scalars: Record<string, ScalarImplementation>;
  types: Record<string, Record<string, GraphQLFieldResolver<never, Context, never>>>;
}

/**
 * Schema first: the `.graphql` file is the contract, and this attaches the resolvers to it. Every
 * resolver must name a type and field of the schema and every custom scalar must have an
 * implementation, or start-up fails: a renamed field cannot silently resolve to null.
 */
export function buildExecutableSchema<Context>(sdl: string, resolvers: Resolvers<Context>): GraphQLSchema {
  const schema = buildSchema(sdl);
  const builtIn = new Set(specifiedScalarTypes.map((scalar) => scalar.name));
  for (const type of Object.values(schema.getTypeMap())) {
    if (type instanceof GraphQLScalarType && !builtIn.has(type.name) && !(type.name in resolvers.scalars)) {
      throw new Error(`Scalar ${type.name} has no implementation`);
    }
  }
  for (const [name, implementation] of Object.entries(resolvers.scalars)) {
    const type = schema.getType(name);
    if (!(type instanceof GraphQLScalarType)) throw new Error(`The schema has no scalar ${name}`);
    Object.assign(type, implementation);
  }
  for (const [typeName, fieldResolvers] of Object.entries(resolvers.types)) {
    const type = schema.getType(typeName);
    if (!(type instanceof GraphQLObjectType)) throw new Error(`The schema has no object type ${typeName}`);
    const fields = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fieldResolvers)) {
      const field = fields[fieldName];
      if (field === undefined) throw new Error(`The schema has no field ${typeName}.${fieldName}`);
      field.resolve = resolve as GraphQLFieldResolver<unknown, Context>;
    }
  }
  return schema;
}
