// The typed command functions are generated from Rust (bindings/commands.ts). Calling one and
// showing its fault is command.ts's job.
export * from "./bindings/commands";
