/** The assets the build bundles into the page (playground/assets.ts `readAssets`). */
declare module "tsbpf-playground:assets" {
  const assets: import("./assets.ts").PlaygroundAssets;
  export default assets;
}
