// placeholder so the stage library exists; replaced as the stage lands
