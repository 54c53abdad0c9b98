import { render } from "preact";
import { App } from "./app";
import { AlreadyOpen } from "./screens/already-open";
import "./style.css";

const root = document.getElementById("app");
if (root)
  render(
    <>
      <App />
      <AlreadyOpen />
    </>,
    root,
  );
