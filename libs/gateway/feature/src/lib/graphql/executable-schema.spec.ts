import { graphql } from 'graphql';
import { buildExecutableSchema } from './executable-schema';

const sdl = `
  scalar Upper
  type Query { greeting(name: String!): Upper! }
`;
const upper = { serialize: (value: unknown) => String(value).toUpperCase() };

describe('buildExecutableSchema', () => {
  it('attaches resolvers and scalar implementations to the schema file', async () => {
    const schema = buildExecutableSchema(sdl, {
      scalars: { Upper: upper },
      types: { Query: { greeting: (_: unknown, args: { name: string }) => `hello ${args.name}` } },
    });

    expect(await graphql({ schema, source: '{ greeting(name: "ada") }' })).toEqual({ data: { greeting: 'HELLO ADA' } });
  });

  it('fails at start-up for a resolver of a field the schema does not have', () => {
    expect(() => buildExecutableSchema(sdl, { scalars: { Upper: upper }, types: { Query: { greting: () => 'typo' } } })).toThrow(
      'The schema has no field Query.greting',
    );
  });

  it('fails at start-up for a custom scalar without an implementation', () => {
    expect(() => buildExecutableSchema(sdl, { scalars: {}, types: {} })).toThrow('Scalar Upper has no implementation');
  });
});
