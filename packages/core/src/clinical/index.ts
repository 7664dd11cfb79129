export * from "./codes.ts";
export * from "./file-type.ts";
export * from "./notes.ts";
