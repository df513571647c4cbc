// Lets TypeScript import text files that Bun embeds (`with { type: "text" }`).
declare module "*.liquid" {
  const text: string;
  export default text;
}
