"""Detection engines. Each takes files and the selected rules and returns an `EngineResult`;
none of them formats output or decides what is in scope."""
