import CShims

func cshimsInstall() { cshims_install_stop_handlers() }
func cshimsReceived() -> Int32 { cshims_stop_signal() }
