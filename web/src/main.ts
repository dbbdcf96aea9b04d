// Entry point: mount the page and, if this tab is still signed in, reconnect.
import "./styles.css";
import { Controller } from "./controller";
import { mountApp } from "./ui/app";

const controller = new Controller();
mountApp(document.getElementById("app")!, controller);
if (controller.signedIn) void controller.begin();
